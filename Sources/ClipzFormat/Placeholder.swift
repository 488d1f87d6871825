// ClipzFormat
