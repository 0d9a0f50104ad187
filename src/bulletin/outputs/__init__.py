"""What bulletin makes from the validated site: feeds, emails, pictures, and the
atomic publishing of the build."""
