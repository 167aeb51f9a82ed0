"""hambot on the Pi: the gunicorn server and its worker, install-service, doctor, logs and the systemd units."""
