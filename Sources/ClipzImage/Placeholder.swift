// ClipzImage
