"""Pure mail code: parsing, sanitizing, composing. No Flask, no database."""
