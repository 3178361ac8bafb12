"""Questions that many flows ask, written once: an area, a page of a list, a line
of text, yes or no, and a form's summary with Kirim / Ubah / Batal."""
