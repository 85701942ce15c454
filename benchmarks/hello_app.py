"""The bare Flask "hello" the webhook benchmark compares against."""

from flask import Flask

app = Flask(__name__)


@app.post("/wechat")
def hello() -> str:
    return "hello"
