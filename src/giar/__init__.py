"""giar: government information-disclosure annual reports → validated, typed, traceable data."""
