"""The load run's users (bench/load.py starts locust with this file).

Each virtual user signs in through the login form, as a person does, with an account the bench
prepared (BENCH_LOAD_USERS: a JSON file with the coordinator's and the field worker's
usernames and passwords and the case page to open), then asks for pages without pause:
- MixedCoordinator / MixedWorker: the mixed workload (case list, case page, my contacts,
  home, floor);
- CasePageOnly and FloorOnly: one page each, to compare their throughput.
"""

import json
import os
import re

from locust import HttpUser, constant, task

CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
with open(os.environ["BENCH_LOAD_USERS"], encoding="utf-8") as _file:
    ACCOUNTS = json.load(_file)


class Signed(HttpUser):
    abstract = True
    wait_time = constant(0)
    account = "coordinator"

    def on_start(self):
        account = ACCOUNTS[self.account]
        form = self.client.get("/accounts/login/", name="login form")
        token = CSRF.search(form.text)
        with self.client.post(
            "/accounts/login/",
            {
                "username": account["username"],
                "password": account["password"],
                "csrfmiddlewaretoken": token.group(1) if token else "",
                "next": "/bench/floor/",
            },
            name="login",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code != 302:
                response.failure(f"login answered {response.status_code}")

    def page(self, url, name):
        with self.client.get(url, name=name, allow_redirects=False, catch_response=True) as got:
            if got.status_code != 200:
                got.failure(f"{name} answered {got.status_code}")


class MixedCoordinator(Signed):
    weight = 2

    @task(3)
    def case_list(self):
        self.page("/cases/", "case list")

    @task(3)
    def case_page(self):
        self.page(ACCOUNTS["case_url"], "case page")

    @task(2)
    def home(self):
        self.page("/", "home")

    @task(1)
    def floor(self):
        self.page("/bench/floor/", "floor")


class MixedWorker(Signed):
    weight = 1
    account = "worker"

    @task(3)
    def my_contacts(self):
        self.page("/contacts/", "my contacts")

    @task(1)
    def home(self):
        self.page("/", "home")

    @task(1)
    def floor(self):
        self.page("/bench/floor/", "floor")


class CasePageOnly(Signed):
    @task
    def case_page(self):
        self.page(ACCOUNTS["case_url"], "case page")


class FloorOnly(Signed):
    @task
    def floor(self):
        self.page("/bench/floor/", "floor")
