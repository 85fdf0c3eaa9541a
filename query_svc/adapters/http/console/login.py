"""Sign-in and sign-out pages."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from query_svc.adapters.http.console.context import Console
from query_svc.adapters.http.console.session import LoginRefused


def add_login_routes(blueprint: Blueprint, console: Console) -> None:
    @blueprint.route("/login", methods=["GET", "POST"])
    def login() -> ResponseReturnValue:
        wanted = request.values.get("next", "")
        if request.method == "GET":
            if console.session.signed_in() is not None:
                return redirect(_safe_next(wanted))
            return render_template("console/login.html", next=wanted)
        try:
            console.session.log_in(request.form.get("key", "").strip())
        except LoginRefused as refused:
            return render_template("console/login.html", next=wanted, error=str(refused)), refused.status
        return redirect(_safe_next(wanted))

    @blueprint.post("/logout")
    def logout() -> ResponseReturnValue:
        console.session.log_out()
        flash("You are signed out.", "info")
        return redirect(url_for("console.login"))


def _safe_next(target: str | None) -> str:
    """A page of this console given by its path inside it (`/records?...`); never another site."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return url_for("console.pipeline")
    if target.startswith(("/login", "/logout")):
        return url_for("console.pipeline")
    return f"{request.script_root}{target}"
