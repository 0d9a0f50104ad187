"""The MkDocs glue: the plugin's event wiring, its settings, the pages it adds, and
every patch of MkDocs', Material's and watchdog's behaviour."""
