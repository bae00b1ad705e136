// The site's own script: a preference cookie written from JavaScript.
document.cookie = "lang=en; path=/; max-age=31536000";
