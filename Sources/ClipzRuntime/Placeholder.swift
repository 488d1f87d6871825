// ClipzRuntime
