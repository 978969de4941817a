from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SelectChoice, SelectField, SelectMultipleField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget


def optional_int(value):
    return int(value) if value not in (None, "", "None") else None


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class UserForm(FlaskForm):
    name = StringField("Full name", validators=[DataRequired("Enter a name."), Length(max=120)])
    email = EmailField("Email", validators=[DataRequired("Enter an email address."), Length(max=254)])
    role = SelectField("Role", choices=[SelectChoice("trainee", "Trainee"), SelectChoice("trainer", "Trainer"),
                                         SelectChoice("admin", "Admin")])
    business_unit_id = SelectField("Business unit", coerce=optional_int, validators=[Optional()],
                                   description="Required for trainees.")
    job_role_id = SelectField("Job role", coerce=optional_int, validators=[Optional()],
                              description="Required for trainees.")
    manager_email = StringField("Line manager (email)", validators=[Optional(), Length(max=254)],
                                description="Optional. Their line manager sees the team view: progress on "
                                            "assignments, and the team's skill figures once the team is big enough.")
    trainer_unit_ids = MultiCheckboxField("Units this trainer is responsible for", coerce=int,
                                          validators=[Optional()])
    password = PasswordField("Password", validators=[Optional(), Length(min=12, max=128, message="Use at least 12 characters (at most 128).")],
                             render_kw={"autocomplete": "new-password"},
                             description="At least 12 characters. Leave empty to keep the current password.")
    submit = SubmitField("Save user")

    def set_choices(self, units, job_roles):
        none = [SelectChoice("", "— none —")]
        self.business_unit_id.choices = none + [SelectChoice(u.id, u.name) for u in units]
        self.job_role_id.choices = none + [SelectChoice(r.id, r.name) for r in job_roles]
        self.trainer_unit_ids.choices = [SelectChoice(u.id, u.name) for u in units]


class NamedRecordForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired("Enter a name."), Length(max=120)])
    description = TextAreaField("Description", validators=[Optional(), Length(max=2000)])
    submit = SubmitField("Save")


class SkillForm(NamedRecordForm):
    slug = StringField("Key (slug)", validators=[Optional(), Length(max=64)],
                       description="Lower-case words joined by hyphens, e.g. lead-management. Fixed once created.")


class ToggleForm(FlaskForm):
    """A CSRF-protected button for activate / deactivate."""
    submit = SubmitField("Change")
