"""hambot settings and their defaults.

Edit this file, point HAMBOT_CONFIG at a copy that sets only what you change,
or set any single value with an environment variable HAMBOT_<NAME>
(for example HAMBOT_DEAD_TIME=30). Relative paths are taken from the folder
hambot is started in.
"""

HOST = "127.0.0.1"  # address to listen on; "0.0.0.0" to let the rest of your network in
PORT = 8080  # TCP port to listen on
WORKERS = 2  # gunicorn worker processes
THREADS = 4  # threads per worker; one is always kept free for page views during a capture

DATA_DIR = "./data"  # photos, their index (SQLite) and the generated secret key live here
CAMERA_SCRIPT = "./camera_access.sh"  # executable run as CAMERA_SCRIPT <output path>; None on a server with no camera
CAMERA = "auto"  # the tool camera_access.sh uses: "auto" (the first that sees a camera), rpicam-still,
#                  libcamera-still, fswebcam, ffmpeg, imagesnap or test-pattern
VIDEO_DEVICE = "/dev/video0"  # the USB webcam fswebcam and ffmpeg read
RESOLUTION = "1280x720"  # WIDTHxHEIGHT asked of the camera; 1280x720 is a mode nearly every webcam offers
ROTATION = 0  # 0, 90, 180 or 270 degrees clockwise, for a camera mounted sideways or upside down
HFLIP = False  # mirror the photo left to right
VFLIP = False  # mirror the photo top to bottom
AUTOFOCUS = True  # focus before each photo on cameras that can (Camera Module 3); others ignore it
CAMERA_TIMEOUT = 15  # seconds the camera script may take before it is stopped
DEAD_TIME = 10  # seconds after a photo during which a press shows that photo again
VISITOR_CAPTURES_PER_HOUR = 20  # camera runs one visitor (one address) may start in an hour; failed runs count
CAPTURES_PER_HOUR = 60  # camera runs all visitors together may start in an hour; then they see the latest photo
TOKEN_CAPTURES_PER_HOUR = 60  # camera runs each API token may start in an hour; scheduled captures never wait
MAX_PHOTO_MB = 20  # a camera image larger than this is refused

# Retention: after every photo the oldest ones (never those marked to keep) go until all three hold.
MAX_PHOTOS = 20000  # most photos kept; None for no limit by count
MAX_STORAGE_MB = 4000  # most megabytes of photo files kept; None for no limit by size
MIN_FREE_MB = 256  # free space to leave on the disk; below it, with nothing left to prune, captures are refused

TIMEZONE = None  # an IANA zone such as "Europe/Berlin" that days and photo stamps follow; None for this machine's zone
STAMP = False  # True writes the time and temperature into a corner of every stored photo (the original is not kept)
MAX_MOVIES_MB = 500  # most megabytes of daily time-lapse movies kept, oldest day first; None for no limit

SITE_TITLE = "hambot"  # the name on every page, for example "Moolah's cam"

SECRET_KEY = None  # signs cookies; None means generate one and keep it in DATA_DIR/secret_key
SESSION_DAYS = 30  # how long a sign-in lasts when a viewer password is set (hambot set-password)
TRUST_PROXY = False  # True only behind a reverse proxy (nginx): then X-Forwarded-For/-Proto are believed
ALLOWED_HOSTS = []  # names served besides localhost, this machine's name(.local) and IP addresses: ["cam.example.org"]

TEMPERATURE_SENSOR = "auto"  # "auto" (first sensor found), a sensor id such as 28-0316a2795aff, or "none"
W1_DEVICES_DIR = "/sys/bus/w1/devices"  # where the 1-Wire sensors appear
TEMPERATURE_UNIT = "C"  # "C" or "F" on the pages
TEMPERATURE_CACHE_SECONDS = 30  # how long the home page reuses a reading before asking the sensor again
TEMPERATURE_TIMEOUT = 3  # seconds a reading may take before the photo is stored without one
TEMPERATURE_COMFORT_MIN = 20  # °C; the chart shades the band between these two (None for no band)
TEMPERATURE_COMFORT_MAX = 24  # °C; 20-24 °C suits a hamster
TEMPERATURE_HISTORY_POINTS = 500  # most readings /api/v1/temperature/history returns at once

# Alerts (hambot/core/alerts.py): sent through Apprise (https://github.com/caronc/apprise) by the server, with the photo.
NOTIFY_URLS = []  # Apprise URLs, e.g. ["ntfy://my-topic", "mailtos://user:pass@example.org"]; [] for no messages
PUBLIC_URL = None  # the address alert links point to, such as "https://cam.example.org"; None for no links
TEMPERATURE_ALERT_MINUTES = 10  # minutes outside the comfort band before an alert; back 0.5 °C inside ends it
SENSOR_SILENT_MINUTES = 30  # minutes without a reading before an alert that the probe went silent
ALERT_REMIND_HOURS = 6  # at most one reminder this often while an alert lasts; None for no reminders
DAILY_PHOTO_AT = None  # a local time such as "19:00" for a daily photo with the day's low and high; None for none

KEY_SHEET = None  # Enigma key sheet for API tokens; None means DATA_DIR/enigma_keysheet.txt

# Pushing to an upstream server (hambot push): every photo and reading, and its remote button.
UPSTREAM_URL = None  # the upstream hambot, such as "https://cams.example.org"; None to push nowhere
UPSTREAM_TOKEN = None  # a token the upstream issued with --scope upload --camera CAMERA_NAME
CAMERA_NAME = None  # this camera's name upstream; None for the host name

LOG_LEVEL = "INFO"  # DEBUG, INFO, WARNING or ERROR
LOG_FILE = None  # also write the log to this file, rotated at 1 MB with 5 old files kept; None for stderr only
