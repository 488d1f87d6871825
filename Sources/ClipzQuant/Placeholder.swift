// ClipzQuant
