"""The web app over the core: the app factory, pages by area, the API, sign-in, cookies, headers, templates."""
