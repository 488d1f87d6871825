// ClipzImport
