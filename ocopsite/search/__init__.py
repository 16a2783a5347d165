"""The search index each language's search page reads in the browser, made by the build in
small files.
"""
