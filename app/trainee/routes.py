from flask import render_template
from flask_login import current_user

from app.services.catalogue import list_skills
from app.trainee import bp


@bp.get("/")
def home():
    skills = [s for s in list_skills() if s.active]
    return render_template("trainee/home.html", me=current_user, skills=skills)
