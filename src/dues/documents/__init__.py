"""Every PDF dues makes: typed documents (model), what they print (content), Typst renders them (render) from
the templates in templates/; logo says what a seller's logo must be to be printed."""
