"""Files people open: the outcome tables and the ESF+ report as spreadsheets (XLSX)
and as CSV for a spreadsheet in a Belgian locale, with labels in Dutch or English.

The API, the pages and the command line hand out the same bytes. The machine CSV of
``GET /outcomes`` (codes, ``,`` and ``.``) is not made here and does not change.
"""
