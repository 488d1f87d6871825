// ClipzValidate
