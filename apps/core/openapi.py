def drop_trailing_slash_duplicates(endpoints, **kwargs):
    """Each API route is also served with a trailing slash; document only the canonical one."""
    return [
        (path, path_regex, method, callback)
        for path, path_regex, method, callback in endpoints
        if not path.endswith("/")
    ]
