"""The public temp-mail APIs Mayfly serves under /compat/<dialect>/, one module each."""
