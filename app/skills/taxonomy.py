"""The starting CRM skill taxonomy (DOMAIN.md). Content files refer to skills by slug."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SkillDef:
    slug: str
    name: str
    description: str


SKILLS: tuple[SkillDef, ...] = (
    SkillDef("navigation-search", "Navigation & search",
             "Finding records fast: tabs, global search, list views, filters and recent items."),
    SkillDef("accounts-contacts", "Accounts & contacts",
             "Creating and maintaining accounts and contacts, their relationships and ownership."),
    SkillDef("lead-management", "Lead management",
             "Capturing, qualifying and converting leads without creating duplicates."),
    SkillDef("opportunity-pipeline", "Opportunity pipeline",
             "Moving opportunities through stages with amount, close date and next step kept true."),
    SkillDef("activity-logging", "Activity logging",
             "Logging calls, meetings and emails and scheduling follow-up tasks on the right record."),
    SkillDef("call-preparation", "Call preparation",
             "Reviewing a client's history, open cases and opportunities before a call."),
    SkillDef("data-quality", "Data quality",
             "Required fields, consistent formats, spotting and merging duplicates."),
    SkillDef("reports-dashboards", "Reports & dashboards",
             "Building filtered, grouped reports and reading dashboards to act on them."),
    SkillDef("case-management", "Case management",
             "Triaging, prioritising, escalating and resolving customer cases."),
    SkillDef("campaigns", "Campaigns",
             "Building campaign member lists, tracking responses and attributing pipeline."),
    SkillDef("email-calendar-sync", "Email & calendar sync",
             "Outlook/Gmail integration, mobile sync and keeping emails and meetings on records."),
)

SKILL_SLUGS: frozenset[str] = frozenset(s.slug for s in SKILLS)
