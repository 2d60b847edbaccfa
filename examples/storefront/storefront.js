/**
 * A small shop in front of Gatehouse: products, a cart, checkout with Medusa's system payment
 * provider, order history, log in, register, log out.
 *
 * Gatehouse is the only base URL: it serves the account routes and forwards the rest of `/store`
 * (products, carts, orders) to Medusa as the logged-in customer. The session is the HttpOnly
 * `connect.sid` cookie, which the browser keeps and sends with every request (the client sends
 * requests with credentials). No token is stored in the page; only the cart's id is kept in
 * localStorage, as Medusa's storefronts do.
 */
import Medusa from "@gatehouse/client";

const baseUrl =
  document.querySelector('meta[name="gatehouse-url"]')?.getAttribute("content") ||
  "http://localhost:9000";
const medusa = new Medusa({ baseUrl, maxRetries: 3 });
const CART_KEY = "cart_id";

const element = (id) => document.getElementById(id);

/** Medusa's routes the auth and customers resources don't cover, with either client. */
const store = (method, path, body) => medusa.client.request(method, path, body);

/** The server's message (`{type, message}`), whichever client rejected. */
function errorMessage(error) {
  return error?.response?.data?.message || error?.message || "Something went wrong";
}

let customer = null;
let region = null;

/** `amount` (minor units) in `currency`, by default the region's. */
function money(amount, currency = region?.currency_code || "eur") {
  return new Intl.NumberFormat("en", {
    style: "currency",
    currency: currency.toUpperCase(),
  }).format(amount / 100);
}

/** A list item with `text`, and `button` after it when given. */
function item(text, button) {
  const li = document.createElement("li");
  li.textContent = text;
  if (button) li.append(" ", button);
  return li;
}

function shopMessage(text = "") {
  element("shop-message").textContent = text;
}

// ---- account ----

/** Shows the account of `next`, or the login and register forms when it is null. */
function show(next, message = "") {
  customer = next;
  document.body.dataset.state = customer ? "logged-in" : "logged-out";
  element("account").hidden = !customer;
  element("logged-out").hidden = Boolean(customer);
  if (customer) {
    const name = [customer.first_name, customer.last_name].filter(Boolean).join(" ");
    element("account-name").textContent = name || customer.email;
    element("account-email").textContent = customer.email;
  } else {
    element("order-list").replaceChildren();
  }
  for (const input of document.querySelectorAll("[data-guest-only]")) {
    input.hidden = input.disabled = Boolean(customer);
  }
  element("message").textContent = message;
}

/** Reads the session: 200 shows the account, 401 the forms. */
async function refresh() {
  try {
    const { customer } = await medusa.auth.getSession();
    show(customer);
    loadOrders();
  } catch (error) {
    show(null, error?.response?.status === 401 ? "" : errorMessage(error));
  }
}

/** The customer's orders (Medusa's `GET /store/customers/me/orders`). */
async function loadOrders() {
  const list = element("order-list");
  try {
    const { orders } = await store("GET", "/store/customers/me/orders");
    list.replaceChildren(
      ...orders.map((order) => {
        const li = item(`#${order.display_id}: ${money(order.total, order.currency_code)}`);
        li.dataset.orderId = order.id;
        return li;
      }),
    );
    if (orders.length === 0) list.replaceChildren(item("No orders yet."));
  } catch (error) {
    list.replaceChildren(item(errorMessage(error)));
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
      await claimCart();
      loadOrders();
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
    // The cart is the customer's now; the next visitor starts a new one.
    forgetCart();
    show(null, "You are logged out.");
  } catch (error) {
    element("message").textContent = errorMessage(error);
  }
});

// ---- products and cart ----

async function loadProducts() {
  try {
    ({
      regions: [region],
    } = await store("GET", "/store/regions"));
    if (!region) throw new Error("The store has no region");
    const { products } = await store(
      "GET",
      `/store/products?region_id=${encodeURIComponent(region.id)}`,
    );
    element("product-list").replaceChildren(
      ...products.flatMap((product) =>
        product.variants.map((variant) => {
          const button = document.createElement("button");
          button.type = "button";
          button.className = "add-to-cart";
          button.textContent = "Add to cart";
          button.dataset.variantId = variant.id;
          button.addEventListener("click", () => addToCart(variant.id, button));
          const title =
            product.variants.length > 1 ? `${product.title} (${variant.title})` : product.title;
          return item(`${title}: ${money(variant.calculated_price ?? 0)}`, button);
        }),
      ),
    );
    element("checkout-form").elements.country_code.replaceChildren(
      ...region.countries.map((country) => new window.Option(country.display_name, country.iso_2)),
    );
    await loadCart();
  } catch (error) {
    shopMessage(`The shop is unavailable: ${errorMessage(error)}`);
  }
}

function forgetCart() {
  window.localStorage.removeItem(CART_KEY);
  showCart(null);
}

function showCart(cart) {
  element("cart").hidden = !cart?.items?.length;
  if (!cart) return;
  element("cart-items").replaceChildren(
    ...cart.items.map((line) =>
      item(
        `${line.quantity} × ${line.title}: ${money(line.total ?? line.unit_price * line.quantity)}`,
      ),
    ),
  );
  element("cart-total").textContent = money(cart.total);
}

/** The kept cart, unless it is gone or already ordered. */
async function loadCart() {
  const id = window.localStorage.getItem(CART_KEY);
  if (!id) return null;
  try {
    const { cart } = await store("GET", `/store/carts/${id}`);
    if (cart.completed_at) throw new Error("completed");
    showCart(cart);
    return cart;
  } catch {
    forgetCart();
    return null;
  }
}

/** After a login, the guest's cart becomes the customer's (Medusa binds it on update). */
async function claimCart() {
  const id = window.localStorage.getItem(CART_KEY);
  if (!id) return;
  try {
    showCart((await store("POST", `/store/carts/${id}`, {})).cart);
  } catch (error) {
    shopMessage(errorMessage(error));
  }
}

async function addToCart(variantId, button) {
  button.disabled = true;
  shopMessage();
  element("confirmation").hidden = true;
  try {
    let cart = await loadCart();
    if (!cart) {
      ({ cart } = await store("POST", "/store/carts", { region_id: region.id }));
      window.localStorage.setItem(CART_KEY, cart.id);
    }
    ({ cart } = await store("POST", `/store/carts/${cart.id}/line-items`, {
      variant_id: variantId,
      quantity: 1,
    }));
    showCart(cart);
  } catch (error) {
    shopMessage(errorMessage(error));
  } finally {
    button.disabled = false;
  }
}

/** Address, the first shipping option, the system payment provider, then the order. */
element("checkout-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = event.target;
  const { email, ...address } = Object.fromEntries(new FormData(form));
  const button = form.querySelector("button");
  button.disabled = true;
  shopMessage();
  try {
    const id = window.localStorage.getItem(CART_KEY);
    await store("POST", `/store/carts/${id}`, {
      ...(customer ? {} : { email }),
      shipping_address: address,
      billing_address: address,
    });
    const { shipping_options } = await store("GET", `/store/shipping-options/${id}`);
    if (shipping_options.length === 0) throw new Error("No shipping option for this address");
    await store("POST", `/store/carts/${id}/shipping-methods`, {
      option_id: shipping_options[0].id,
    });
    await store("POST", `/store/carts/${id}/payment-sessions`);
    await store("POST", `/store/carts/${id}/payment-session`, { provider_id: "system" });
    const completed = await store("POST", `/store/carts/${id}/complete`);
    if (completed.type !== "order") throw new Error("The payment was not accepted");
    form.reset();
    forgetCart();
    element("confirmation-order").textContent = `#${completed.data.display_id}`;
    element("confirmation").hidden = false;
    if (customer) loadOrders();
  } catch (error) {
    shopMessage(errorMessage(error));
  } finally {
    button.disabled = false;
  }
});

refresh();
loadProducts();
