"""Question banks: questions, their versions, and the file formats they come in."""
