"""Every PDF dues makes: typed documents (model), what they print (content), Typst renders them (render)."""
