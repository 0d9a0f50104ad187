"""The newsletter as an email: MJML HTML, plain text, the .eml, and proofs by SMTP."""
