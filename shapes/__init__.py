"""SHACL shapes and the validation of proposed additions."""
