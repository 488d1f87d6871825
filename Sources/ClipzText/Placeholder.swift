// ClipzText
