import os

from django.core.wsgi import get_wsgi_application

from workbench.startup import import_views, require_secret_key

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "workbench.settings")

require_secret_key()
application = get_wsgi_application()
import_views()
