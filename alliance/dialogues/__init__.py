"""Market dialogues: preliminary market consultations opened by an alliance's leads."""
