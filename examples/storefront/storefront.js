/**
 * The account page of a storefront: log in, register, show the account, log out.
 *
 * The session is the HttpOnly `connect.sid` cookie, which the browser keeps and sends with every
 * request to the Gatehouse server (the client sends requests with credentials). Nothing is stored
 * in localStorage and no token is handled here.
 */
import Medusa from "@gatehouse/client";

const baseUrl =
  document.querySelector('meta[name="gatehouse-url"]')?.getAttribute("content") ||
  "http://localhost:9000";
const medusa = new Medusa({ baseUrl, maxRetries: 3 });

const element = (id) => document.getElementById(id);

/** Shows the account of `customer`, or the login and register forms when it is null. */
function show(customer, message = "") {
  document.body.dataset.state = customer ? "logged-in" : "logged-out";
  element("account").hidden = !customer;
  element("logged-out").hidden = Boolean(customer);
  if (customer) {
    const name = [customer.first_name, customer.last_name].filter(Boolean).join(" ");
    element("account-name").textContent = name || customer.email;
    element("account-email").textContent = customer.email;
  }
  element("message").textContent = message;
}

/** The server's message (`{type, message}`), whichever client rejected. */
function errorMessage(error) {
  return error?.response?.data?.message || error?.message || "Something went wrong";
}

/** Reads the session: 200 shows the account, 401 the forms. */
async function refresh() {
  try {
    const { customer } = await medusa.auth.getSession();
    show(customer);
  } catch (error) {
    show(null, error?.response?.status === 401 ? "" : errorMessage(error));
  }
}

/** Runs `action` with the form's non-empty fields and shows the customer it resolves to. */
function handle(form, action) {
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const fields = Object.fromEntries(
      [...new FormData(form)].filter(([, value]) => typeof value === "string" && value !== ""),
    );
    const button = form.querySelector("button");
    button.disabled = true;
    try {
      const { customer } = await action(fields);
      form.reset();
      show(customer);
    } catch (error) {
      show(null, errorMessage(error));
    } finally {
      button.disabled = false;
    }
  });
}

handle(element("login-form"), ({ email, password }) =>
  medusa.auth.authenticate({ email, password }),
);
handle(element("register-form"), (fields) => medusa.customers.create(fields));

element("logout").addEventListener("click", async () => {
  try {
    await medusa.auth.deleteSession();
    show(null, "You are logged out.");
  } catch (error) {
    element("message").textContent = errorMessage(error);
  }
});

refresh();
