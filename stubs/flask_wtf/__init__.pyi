# Flask-WTF 1.2 ships no py.typed marker; these are the parts the portal uses.
from .csrf import CSRFProtect as CSRFProtect
from .form import FlaskForm as FlaskForm
