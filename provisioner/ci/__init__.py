"""The pull-request workflow: comments, annotations and the Action's helpers.

annotations.py  validate's problems as GitHub workflow commands, a job
                summary, and GitLab's Code Quality report (PURE)
comment.py      the one plan comment: its marker, its body, upsert (PURE)
forge.py        the HTTP seam for both platforms; never shows the token
github.py       GitHub REST: this run's pull request, comments, labels
gitlab.py       GitLab REST: merge-request notes
platform.py     which CI this is, and the thread to post to
action.py       the Action's outputs, label allowances, reviewed checksum

action.yml -> provisioner validate --format github | plan | apply
           -> provisioner pr-comment -> platform -> github | gitlab -> forge
"""
