/* The playground's page: one Discord text channel, drawn from the playground's API (page.py).
 * Plain JavaScript, no build step, no network beyond 127.0.0.1. */
"use strict";

const EPHEMERAL = 1 << 6;
const LOADING = 1 << 7;
const NO_RESPONSE = "The application did not respond";
const FEED_LIMIT = 300;
const PRIVILEGED = { members: 1 << 1, presences: 1 << 8, message_content: 1 << 15 };
const AVATAR_COLORS = ["#5865f2", "#757e8a", "#3ba55c", "#faa61a", "#ed4245", "#eb459e"];

const view = {
  state: null,
  messages: new Map(), // id -> message, in posting order
  elements: new Map(), // id -> its <article>
  acting: "owner",
  chosen: null, // the command entry picked in the menu, while its text stays in the box
  menuEntries: [],
  menuIndex: 0,
  dismissed: new Set(),
  answeredDeferred: new Set(), // "thinking..." answered: an edit Discord does not mark
  modal: null,
  typingTimer: null,
};

const $ = (id) => document.getElementById(id);

/* -- DOM helpers ------------------------------------------------------------------------- */

function h(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") node.className = value;
    else if (key === "text") node.textContent = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? "" : String(value));
  }
  append(node, children);
  return node;
}

function append(node, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : String(child));
  }
  return node;
}

const ICONS = {
  eye: '<svg width="16" height="16" viewBox="0 0 24 24" aria-hidden="true"><path fill="currentColor" d="M12 5C5.6 5 2 12 2 12s3.6 7 10 7 10-7 10-7-3.6-7-10-7Zm0 11a4 4 0 1 1 0-8 4 4 0 0 1 0 8Zm0-2a2 2 0 1 0 0-4 2 2 0 0 0 0 4Z"/></svg>',
  info: '<svg width="16" height="16" viewBox="0 0 24 24" aria-hidden="true"><path fill="currentColor" d="M12 2a10 10 0 1 0 0 20 10 10 0 0 0 0-20Zm1 15h-2v-6h2v6Zm0-8h-2V7h2v2Z"/></svg>',
  chevron: '<svg width="18" height="18" viewBox="0 0 24 24" aria-hidden="true"><path fill="currentColor" d="M7 10l5 5 5-5z"/></svg>',
  external: '<svg width="14" height="14" viewBox="0 0 24 24" aria-hidden="true"><path fill="currentColor" d="M14 3h7v7h-2V6.4l-9.3 9.3-1.4-1.4L17.6 5H14V3ZM5 5h6v2H5v12h12v-6h2v6a2 2 0 0 1-2 2H5a2 2 0 0 1-2-2V7a2 2 0 0 1 2-2Z"/></svg>',
  file: '<svg width="24" height="30" viewBox="0 0 24 30" aria-hidden="true"><path fill="#b5bac1" d="M2 0h14l8 8v20a2 2 0 0 1-2 2H2a2 2 0 0 1-2-2V2a2 2 0 0 1 2-2Z"/><path fill="#80848e" d="M16 0v6a2 2 0 0 0 2 2h6Z"/></svg>',
};

function icon(name) {
  const holder = document.createElement("span");
  holder.innerHTML = ICONS[name]; // constant markup, never data
  return holder.firstChild;
}

/* -- names, avatars, times -------------------------------------------------------------- */

function displayName(user) {
  if (!user) return "Unknown";
  return user.global_name || user.username;
}

function avatar(user, size = "") {
  const name = displayName(user);
  let index = 0;
  try {
    index = Number((BigInt(user.id) >> 22n) % BigInt(AVATAR_COLORS.length));
  } catch {
    index = 0;
  }
  const node = h("div", { class: `avatar ${size}`, "aria-hidden": "true" }, Array.from(name)[0] || "?");
  node.style.background = user && user.bot ? "#5865f2" : AVATAR_COLORS[index];
  return node;
}

function knownUser(id) {
  const state = view.state;
  if (!state) return null;
  if (state.bot.id === id) return state.bot;
  return Object.values(state.users).find((user) => user.id === id) || null;
}

function timeLabel(iso) {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return "";
  const time = date.toLocaleTimeString([], { hour: "numeric", minute: "2-digit" });
  const today = new Date().toDateString() === date.toDateString();
  return today ? `Today at ${time}` : `${date.toLocaleDateString()} ${time}`;
}

function discordTimestamp(seconds, style) {
  const date = new Date(Number(seconds) * 1000);
  const formats = {
    t: { hour: "numeric", minute: "2-digit" },
    T: { hour: "numeric", minute: "2-digit", second: "2-digit" },
    d: { dateStyle: "short" },
    D: { dateStyle: "long" },
    f: { dateStyle: "long", timeStyle: "short" },
    F: { dateStyle: "full", timeStyle: "short" },
  };
  if (style === "R") {
    const delta = (date.getTime() - Date.now()) / 1000;
    const units = [["year", 31536000], ["month", 2592000], ["day", 86400], ["hour", 3600], ["minute", 60], ["second", 1]];
    const [unit, size] = units.find(([, length]) => Math.abs(delta) >= length) || ["second", 1];
    return new Intl.RelativeTimeFormat([], { numeric: "auto" }).format(Math.round(delta / size), unit);
  }
  return date.toLocaleString([], formats[style] || formats.f);
}

function hex(color) {
  return `#${Number(color).toString(16).padStart(6, "0")}`;
}

function fileName(url) {
  return String(url || "").replace(/^attachment:\/\//, "").split(/[/?#]/).filter(Boolean).pop() || "";
}

/* -- Discord's markdown ------------------------------------------------------------------ */

const INLINE = new RegExp(
  [
    "(`+)([\\s\\S]*?[^`])\\1(?!`)", // 1, 2: `code`
    "\\*\\*([\\s\\S]+?)\\*\\*(?!\\*)", // 3: **bold**
    "__([\\s\\S]+?)__(?!_)", // 4: __underline__
    "\\*([^\\s*](?:[\\s\\S]*?[^\\s*])?)\\*", // 5: *italic*
    "\\b_([^\\s_](?:[\\s\\S]*?[^\\s_])?)_\\b", // 6: _italic_
    "~~([\\s\\S]+?)~~", // 7: ~~strike~~
    "\\|\\|([\\s\\S]+?)\\|\\|", // 8: ||spoiler||
    "\\[([^\\]\\n]+)\\]\\(<?(https?:\\/\\/[^\\s)>]+)>?\\)", // 9, 10: [text](url)
    "<?(https?:\\/\\/[^\\s<>]*[^\\s<>.,:;\"')\\]])>?", // 11: a bare link
    "<@!?(\\d+)>", // 12: a user
    "<@&(\\d+)>", // 13: a role
    "<#(\\d+)>", // 14: a channel
    "<t:(-?\\d+)(?::([tTdDfFR]))?>", // 15, 16: a timestamp
    "<a?:(\\w+):\\d+>", // 17: a custom emoji
    "@(everyone|here)\\b", // 18
  ].join("|"),
  "g",
);

function markdown(text) {
  const fragment = document.createDocumentFragment();
  const parts = String(text || "").split(/```(?:([\w+-]*)\n)?([\s\S]*?)```/g);
  for (let index = 0; index < parts.length; index += 3) {
    if (parts[index]) fragment.append(blocks(parts[index]));
    if (index + 2 < parts.length) {
      const code = (parts[index + 2] || "").replace(/\n$/, "");
      fragment.append(h("pre", { class: "codeblock" }, h("code", { text: code })));
    }
  }
  return fragment;
}

function blocks(text) {
  const fragment = document.createDocumentFragment();
  const lines = text.split("\n");
  lines.forEach((line, index) => {
    let match;
    let node = null;
    if ((match = /^(#{1,3}) (.+)$/.exec(line))) node = h("span", { class: `md-h${match[1].length}` }, inline(match[2]));
    else if ((match = /^-# (.+)$/.exec(line))) node = h("span", { class: "md-sub" }, inline(match[1]));
    else if (line.startsWith("> ")) node = h("span", { class: "md-quote" }, inline(line.slice(2)));
    else if ((match = /^\s*[-*] (.+)$/.exec(line))) node = h("span", { class: "md-list-item" }, inline(match[1]));
    if (node) {
      fragment.append(node);
      return;
    }
    append(fragment, inline(line));
    if (index < lines.length - 1) fragment.append("\n");
  });
  return fragment;
}

function inline(text) {
  const nodes = [];
  let last = 0;
  for (const match of String(text).matchAll(INLINE)) {
    if (match.index > last) nodes.push(text.slice(last, match.index));
    last = match.index + match[0].length;
    nodes.push(inlineNode(match));
  }
  if (last < text.length) nodes.push(text.slice(last));
  return nodes;
}

function inlineNode(m) {
  if (m[2] !== undefined) return h("code", { text: m[2] });
  if (m[3] !== undefined) return h("strong", {}, inline(m[3]));
  if (m[4] !== undefined) return h("u", {}, inline(m[4]));
  if (m[5] !== undefined) return h("em", {}, inline(m[5]));
  if (m[6] !== undefined) return h("em", {}, inline(m[6]));
  if (m[7] !== undefined) return h("s", {}, inline(m[7]));
  if (m[8] !== undefined) {
    const spoiler = h("span", { class: "spoiler", title: "Spoiler: click to show" }, inline(m[8]));
    spoiler.addEventListener("click", () => spoiler.classList.add("shown"));
    return spoiler;
  }
  if (m[9] !== undefined) return link(m[10], inline(m[9]));
  if (m[11] !== undefined) return link(m[11], m[11]);
  if (m[12] !== undefined) return h("span", { class: "mention" }, `@${displayName(knownUser(m[12])) || m[12]}`);
  if (m[13] !== undefined) return h("span", { class: "mention" }, m[13] === view.state?.guild.id ? "@everyone" : "@role");
  if (m[14] !== undefined) return h("span", { class: "mention" }, m[14] === view.state?.channel.id ? "#general" : "#channel");
  if (m[15] !== undefined) {
    const title = new Date(Number(m[15]) * 1000).toLocaleString();
    return h("span", { class: "timestamp", title }, discordTimestamp(m[15], m[16]));
  }
  if (m[17] !== undefined) return `:${m[17]}:`;
  return h("span", { class: "mention" }, `@${m[18]}`);
}

function link(url, children) {
  if (!/^https?:\/\//.test(url)) return append(document.createDocumentFragment(), [children]);
  return h("a", { href: url, target: "_blank", rel: "noopener noreferrer", title: url }, children);
}

/* -- messages ---------------------------------------------------------------------------- */

function renderMessage(message) {
  const ephemeral = (message.flags & EPHEMERAL) !== 0;
  const author = message.author;
  const article = h("article", {
    class: `message${ephemeral ? " ephemeral" : ""}${message.system ? " system" : ""}`,
    "data-id": message.id,
  });
  const replyLine = renderReplyLine(message);
  if (replyLine) article.append(replyLine);
  article.append(avatar(author));

  const body = h("div", { class: "message-body" });
  body.append(
    h(
      "h3",
      { class: "message-header" },
      h("span", { class: "author" }, displayName(author)),
      author.bot ? h("span", { class: "app-tag", title: "An app, not a person" }, "APP") : null,
      !message.guild_id && !message.system ? h("span", { class: "app-tag dm-tag", title: "Sent in a direct message, not in #general" }, "DM") : null,
      message.timestamp ? h("time", { datetime: message.timestamp }, timeLabel(message.timestamp)) : null,
    ),
  );
  if (message.flags & LOADING) {
    body.append(h("div", { class: "thinking" }, `${displayName(author)} is thinking`));
  } else {
    const content = h("div", { class: "content" }, markdown(message.content || ""));
    if (message.edited_timestamp && !view.answeredDeferred.has(message.id)) {
      content.append(h("span", { class: "edited", title: new Date(message.edited_timestamp).toLocaleString() }, "(edited)"));
    }
    body.append(content);
  }
  for (const embed of message.embeds || []) body.append(renderEmbed(embed));
  if (message.components && message.components.length) {
    body.append(h("div", { class: "components" }, message.components.map((c) => renderComponent(c, message))));
  }
  for (const attachment of message.attachments || []) {
    body.append(h("div", { class: "file" }, icon("file"), h("span", {}, attachment.filename)));
  }
  if (ephemeral) {
    const dismiss = h("button", { type: "button" }, "Dismiss message");
    dismiss.addEventListener("click", () => {
      view.dismissed.add(message.id);
      article.remove();
    });
    body.append(h("div", { class: "note" }, icon("eye"), h("span", {}, "Only you can see this · ", dismiss)));
  }
  const delivery = deliveryNote(message);
  if (delivery) body.append(delivery);
  article.append(body);
  return article;
}

function renderReplyLine(message) {
  const metadata = message.interaction_metadata;
  if (metadata && metadata.user) {
    const what = message.command
      ? [" used ", h("span", { class: "command-name" }, message.command)]
      : metadata.type === 5
        ? " submitted a form"
        : metadata.type === 3
          ? " used a component"
          : " used a command";
    return h("div", { class: "reply-line" }, avatar(metadata.user, "tiny"), h("span", { class: "who" }, displayName(metadata.user)), h("span", { class: "what" }, what));
  }
  const reference = message.message_reference;
  if (reference && reference.message_id) {
    const original = view.messages.get(reference.message_id);
    if (!original) return h("div", { class: "reply-line" }, h("span", { class: "what" }, "Original message was deleted"));
    return h(
      "div",
      { class: "reply-line" },
      avatar(original.author, "tiny"),
      h("span", { class: "who" }, `@${displayName(original.author)}`),
      h("span", { class: "what" }, " ", original.content ? inline(original.content) : "(no text)"),
    );
  }
  return null;
}

function deliveryNote(message) {
  if (message.author.bot || !("delivered" in message)) return null;
  const state = view.state;
  if (message.delivered === null) {
    return h("div", { class: "note delivery-note" }, icon("info"), h("span", {}, "The bot received nothing: it does not ask for the Guild Messages intent, so Discord sends it no messages from servers."));
  }
  if (message.delivered === "" && message.content) {
    return h(
      "div",
      { class: "note delivery-note" },
      icon("info"),
      h(
        "span",
        {},
        "The bot received this message with empty content, exactly as on Discord: it does not ask for the Message Content intent, so Discord only sends it the text of messages that mention it (and of DMs). Mention it (",
        h("code", {}, `@${state.bot.username} hello`),
        ") or use a slash command (",
        h("code", {}, "/"),
        "). To read every message: ",
        h("code", {}, "copier update --data 'privileged_intents=[message_content]'"),
        ".",
      ),
    );
  }
  return null;
}

function renderEmbed(embed) {
  const node = h("div", { class: "embed" });
  if (embed.color !== undefined && embed.color !== null) node.style.borderLeftColor = hex(embed.color);
  if (embed.author && embed.author.name) node.append(h("div", { class: "embed-author" }, embed.author.name));
  if (embed.title) node.append(h("div", { class: "embed-title" }, embed.url ? link(embed.url, inline(embed.title)) : inline(embed.title)));
  if (embed.description) node.append(h("div", { class: "embed-description" }, markdown(embed.description)));
  if (embed.fields && embed.fields.length) {
    const fields = embed.fields.map((field) =>
      h(
        "div",
        { class: `embed-field${field.inline ? " inline" : ""}` },
        h("div", { class: "embed-field-name" }, inline(field.name)),
        h("div", { class: "embed-field-value" }, markdown(field.value)),
      ),
    );
    node.append(h("div", { class: "embed-fields" }, fields));
  }
  if (embed.image && embed.image.url) node.append(media(embed.image, "embed-image"));
  if (embed.thumbnail && embed.thumbnail.url) node.append(media(embed.thumbnail, "embed-thumbnail"));
  const footer = [embed.footer && embed.footer.text, embed.timestamp && new Date(embed.timestamp).toLocaleString()].filter(Boolean);
  if (footer.length) node.append(h("div", { class: "embed-footer" }, footer.join(" • ")));
  return node;
}

function media(item, className, description = "", spoiler = false) {
  const url = (item && item.url) || "";
  const missing = () => h("div", { class: `media-missing ${className}`, title: url }, fileName(url) || "image");
  if (!/^https?:\/\//.test(url)) return missing();
  const image = h("img", { class: `${className}${spoiler ? " spoilered" : ""}`, src: url, alt: description || "", loading: "lazy" });
  image.addEventListener("error", () => image.replaceWith(missing()));
  return image;
}

/* -- components: classic and V2 ------------------------------------------------------------ */

function renderComponent(c, message) {
  const children = (list) => (list || []).map((child) => renderComponent(child, message));
  switch (c.type) {
    case 1:
      return h("div", { class: "action-row" }, children(c.components));
    case 2:
      return renderButton(c, message);
    case 3:
    case 5:
    case 6:
    case 7:
    case 8:
      return renderSelect(c, (values, trigger) => useComponent(message, c.custom_id, values, trigger));
    case 9:
      return h(
        "div",
        { class: "section" },
        h("div", { class: "section-text" }, children(c.components)),
        c.accessory ? h("div", { class: "section-accessory" }, renderComponent(c.accessory, message)) : null,
      );
    case 10:
      return h("div", { class: "text-display" }, markdown(c.content));
    case 11:
      return media(c.media, "thumbnail", c.description, c.spoiler);
    case 12:
      return h("div", { class: "gallery" }, (c.items || []).map((item) => media(item.media, "", item.description, item.spoiler)));
    case 13:
      return h("div", { class: "file" }, icon("file"), h("span", {}, fileName(c.file && c.file.url)));
    case 14:
      return h("hr", { class: `separator${c.divider === false ? "" : " divider"}${c.spacing === 2 ? " large" : ""}` });
    case 17: {
      const container = h("div", { class: `container${c.accent_color != null ? " accent" : ""}${c.spoiler ? " spoilered" : ""}` }, children(c.components));
      if (c.accent_color != null) container.style.setProperty("--accent", hex(c.accent_color));
      if (c.spoiler) container.addEventListener("click", () => container.classList.remove("spoilered"), { once: true });
      return container;
    }
    default:
      return h("div", { class: "unsupported" }, `(a component of type ${c.type}: the playground does not draw it)`);
  }
}

function emojiText(emoji) {
  if (!emoji) return "";
  return emoji.id ? `:${emoji.name}:` : emoji.name || "";
}

function renderButton(c, message) {
  const label = [emojiText(c.emoji), c.label].filter(Boolean).join(" ");
  if (c.style === 5) {
    return h("a", { class: "btn style-5", href: c.url, target: "_blank", rel: "noopener noreferrer", "aria-disabled": c.disabled ? "true" : null }, label, icon("external"));
  }
  if (c.style === 6) {
    return h("button", { class: "btn style-6", type: "button", disabled: true, title: "A premium button opens the app's store page in Discord" }, label || "Premium");
  }
  const button = h("button", { class: `btn style-${c.style || 2}`, type: "button", disabled: Boolean(c.disabled) }, label || " ");
  button.addEventListener("click", () => useComponent(message, c.custom_id, [], button));
  return button;
}

function selectOptions(c) {
  const state = view.state;
  const users = [state.users.owner, state.users.member, state.bot].map((user) => ({ value: user.id, label: displayName(user) }));
  const roles = [{ value: state.guild.id, label: "@everyone" }];
  const channels = [{ value: state.channel.id, label: "#general" }];
  const byType = { 5: users, 6: roles, 7: [...users, ...roles], 8: channels };
  if (c.type === 3) return (c.options || []).map((option) => ({ value: option.value, label: [emojiText(option.emoji), option.label].filter(Boolean).join(" "), description: option.description, chosen: option.default }));
  const defaults = new Set((c.default_values || []).map((value) => value.id));
  return (byType[c.type] || []).map((option) => ({ ...option, chosen: defaults.has(option.value) }));
}

/* A select menu as Discord draws it; `onPick(values, trigger)` runs when the choice is made
 * (null: keep the values, for a modal to read with select.values()). */
function renderSelect(c, onPick, opensDown = false) {
  const options = selectOptions(c);
  const multiple = (c.max_values ?? 1) > 1;
  let chosen = new Set(options.filter((option) => option.chosen).map((option) => option.value));
  const wrap = h("div", { class: `select${opensDown ? " down" : ""}` });
  const label = h("span", {});
  const trigger = h("button", { type: "button", class: "select-trigger", "aria-haspopup": "listbox", "aria-expanded": "false", disabled: Boolean(c.disabled) }, label, icon("chevron"));
  const showChoice = () => {
    const names = options.filter((option) => chosen.has(option.value)).map((option) => option.label);
    label.className = names.length ? "" : "placeholder";
    label.textContent = names.length ? names.join(", ") : c.placeholder || "Make a selection";
  };
  showChoice();
  let list = null;
  const close = () => {
    if (!list) return;
    list.remove();
    list = null;
    trigger.setAttribute("aria-expanded", "false");
    document.removeEventListener("mousedown", outside, true);
  };
  const outside = (event) => {
    if (!wrap.contains(event.target)) close();
  };
  const finish = () => {
    close();
    showChoice();
    if (onPick) onPick([...chosen], trigger);
  };
  const open = () => {
    list = h("div", { class: "select-options", role: "listbox", "aria-multiselectable": multiple ? "true" : null, "aria-label": c.placeholder || "Options" });
    for (const option of options) {
      const box = multiple ? h("input", { type: "checkbox", tabindex: "-1", "aria-hidden": "true" }) : null;
      if (box) box.checked = chosen.has(option.value);
      const item = h(
        "div",
        { class: "select-option", role: "option", "aria-selected": String(chosen.has(option.value)) },
        box,
        h("span", {}, option.label, option.description ? h("span", { class: "option-description" }, option.description) : null),
      );
      item.addEventListener("click", () => {
        if (!multiple) {
          chosen = new Set([option.value]);
          finish();
          return;
        }
        if (chosen.has(option.value)) chosen.delete(option.value);
        else if (chosen.size < (c.max_values ?? 1)) chosen.add(option.value);
        item.setAttribute("aria-selected", String(chosen.has(option.value)));
        if (box) box.checked = chosen.has(option.value);
      });
      list.append(item);
    }
    if (multiple) {
      list.append(h("div", { class: "select-done" }, h("button", { type: "button", class: "btn style-1", onclick: finish }, "Done")));
    }
    wrap.append(list);
    trigger.setAttribute("aria-expanded", "true");
    document.addEventListener("mousedown", outside, true);
  };
  trigger.addEventListener("click", () => (list ? close() : open()));
  wrap.append(trigger);
  wrap.values = () => [...chosen];
  wrap.required = (c.min_values ?? 1) > 0 && c.required !== false;
  wrap.customId = c.custom_id;
  return wrap;
}

async function useComponent(message, customId, values, control) {
  if (control) {
    control.disabled = true;
    control.classList.add("busy");
  }
  const result = await post("/api/interactions", { kind: "component", message_id: message.id, custom_id: customId, values, as: view.acting });
  if (control) {
    control.disabled = false;
    control.classList.remove("busy");
  }
  if (!result.ok) systemMessage(result.error === NO_RESPONSE ? "This interaction failed" : result.error);
}

/* -- the channel --------------------------------------------------------------------------- */

function nearBottom() {
  const list = $("messages");
  return list.scrollHeight - list.scrollTop - list.clientHeight < 80;
}

function scrollToBottom() {
  const list = $("messages");
  list.scrollTop = list.scrollHeight;
}

function upsertMessage(message) {
  const previous = view.messages.get(message.id);
  if (previous && previous.flags & LOADING && !(message.flags & LOADING)) view.answeredDeferred.add(message.id);
  else if (previous) view.answeredDeferred.delete(message.id); // edited again: a real edit
  view.messages.set(message.id, message);
  if (view.dismissed.has(message.id)) return;
  const stick = nearBottom() || !previous;
  const node = renderMessage(message);
  const old = view.elements.get(message.id);
  if (old && old.isConnected) old.replaceWith(node);
  else $("messages").append(node);
  view.elements.set(message.id, node);
  if (message.author.bot) stopTyping();
  if (stick) scrollToBottom();
}

function removeMessage(id) {
  view.messages.delete(id);
  const node = view.elements.get(id);
  view.elements.delete(id);
  if (node) {
    node.classList.add("deleting");
    setTimeout(() => node.remove(), 300);
  }
}

function systemMessage(text) {
  const message = {
    id: `local-${Date.now()}`,
    system: true,
    author: { id: "0", username: "Playground", bot: false },
    content: text,
    flags: EPHEMERAL,
    timestamp: new Date().toISOString(),
  };
  const node = renderMessage(message);
  $("messages").append(node);
  scrollToBottom();
}

function loadState(state) {
  view.state = state;
  document.title = `${state.app_name} · Playground`;
  for (const node of view.elements.values()) node.remove();
  view.messages.clear();
  view.elements.clear();
  for (const message of state.messages) upsertMessage(message);
  const feed = $("feed");
  feed.replaceChildren();
  for (const entry of state.feed) appendFeed(entry);
  $("problems").replaceChildren(h("p", { class: "empty" }, "No errors. When a command fails, what the bot logged shows here."));
  $("problem-count").textContent = "";
  for (const problem of state.problems) addProblem(problem);
  showChannelTexts();
  showActing();
  scrollToBottom();
}

function showChannelTexts() {
  const state = view.state;
  const reads = state.message_content
    ? `it reads messages${state.prefix ? ` (text commands start with ${state.prefix})` : ""}`
    : "slash commands only: it cannot read plain messages";
  $("topic").textContent = `${state.app_name}, unmodified, before Discord is set up · ${reads}`;
  const text = ["This is the start of #general. Type ", h("kbd", {}, "/"), ` to see ${state.app_name}'s commands.`];
  if (state.reloading) text.push(" Save a file in cogs/ and the bot reloads it.");
  $("welcome-text").replaceChildren(...text.map((part) => (part instanceof Node ? part : document.createTextNode(part))));
  hint();
}

function showActing() {
  const user = view.state.users[view.acting];
  $("me-name").textContent = displayName(user);
  $("me-avatar").replaceWith(Object.assign(avatar(user, "small"), { id: "me-avatar" }));
}

/* -- commands: the menu, the options form, sending ------------------------------------------- */

function commandEntries() {
  const entries = [];
  for (const command of (view.state && view.state.commands) || []) {
    if ((command.type ?? 1) !== 1) continue;
    const options = command.options || [];
    const subcommands = options.filter((option) => option.type === 1 || option.type === 2);
    if (!subcommands.length) {
      entries.push({ path: command.name, description: command.description, options });
      continue;
    }
    for (const sub of subcommands) {
      const leaves = sub.type === 1 ? [[sub.name, sub]] : (sub.options || []).map((leaf) => [`${sub.name} ${leaf.name}`, leaf]);
      for (const [path, leaf] of leaves) {
        entries.push({ path: `${command.name} ${path}`, description: leaf.description, options: leaf.options || [] });
      }
    }
  }
  return entries.sort((a, b) => a.path.localeCompare(b.path));
}

function matchEntry(typed) {
  const text = typed.replace(/\s+/g, " ").trimStart();
  return commandEntries()
    .filter((entry) => text === entry.path || text.startsWith(`${entry.path} `))
    .sort((a, b) => b.path.length - a.path.length)[0];
}

function onInput() {
  const box = $("message-box");
  box.style.height = "auto";
  box.style.height = `${Math.min(box.scrollHeight, 200)}px`;
  const text = box.value;
  if (!text.startsWith("/")) {
    view.chosen = null;
    hideMenu();
    hideForm();
    hint();
    return;
  }
  const typed = text.slice(1).replace(/\s+/g, " ").trimStart();
  const exact = matchEntry(typed);
  if (!exact) {
    view.chosen = null;
    hideForm();
  } else if (!view.chosen || view.chosen.path !== exact.path) {
    view.chosen = exact;
    showForm(exact);
  }
  if (exact && typed.length > exact.path.length) {
    hideMenu(); // typing its options now
    return;
  }
  const query = typed.toLowerCase();
  showMenu(commandEntries().filter((entry) => entry.path.startsWith(query)), query);
}

function showMenu(entries, query) {
  const menu = $("command-menu");
  view.menuEntries = entries;
  view.menuIndex = Math.max(entries.findIndex((entry) => entry.path === query), 0);
  const title = h("div", { class: "command-menu-title" }, avatar(view.state.bot, "tiny"), view.state.app_name);
  menu.replaceChildren(title);
  if (!entries.length) {
    menu.append(h("div", { class: "empty" }, `No command matches /${query}. The bot synced ${commandEntries().length}.`));
  }
  entries.forEach((entry, index) => {
    const summary = entry.options.map((option) => (option.required ? option.name : `[${option.name}]`)).join(" ");
    const item = h(
      "div",
      { class: "command-item", role: "option", id: `command-${index}`, "aria-selected": String(index === view.menuIndex) },
      h("span", { class: "command-name" }, `/${entry.path}`, summary ? h("span", { class: "options-summary" }, summary) : null),
      h("span", { class: "command-description" }, entry.description || ""),
      h("span", { class: "command-app" }, view.state.app_name),
    );
    item.addEventListener("mousedown", (event) => {
      event.preventDefault();
      choose(entry);
    });
    menu.append(item);
  });
  menu.hidden = false;
}

function hideMenu() {
  $("command-menu").hidden = true;
  view.menuEntries = [];
}

function moveMenu(step) {
  if (!view.menuEntries.length) return;
  view.menuIndex = (view.menuIndex + step + view.menuEntries.length) % view.menuEntries.length;
  document.querySelectorAll(".command-item").forEach((item, index) => item.setAttribute("aria-selected", String(index === view.menuIndex)));
  const current = $(`command-${view.menuIndex}`);
  if (current) current.scrollIntoView({ block: "nearest" });
}

function choose(entry) {
  const box = $("message-box");
  box.value = `/${entry.path} `;
  view.chosen = entry;
  hideMenu();
  showForm(entry);
  box.focus();
}

function showForm(entry) {
  const form = $("options-form");
  if (!entry.options.length) {
    hideForm();
    hint(`/${entry.path} takes no options: press Enter to use it.`);
    return;
  }
  form.replaceChildren(h("div", { class: "form-title" }, "Options of ", h("strong", {}, `/${entry.path}`), " (or type them: name:value)"));
  for (const option of entry.options) {
    form.append(
      h(
        "label",
        { class: "option-field" },
        h("span", {}, option.name, option.required ? h("span", { class: "required", title: "required" }, " *") : null),
        optionControl(option),
        option.description ? h("small", {}, option.description) : null,
      ),
    );
  }
  form.append(h("button", { type: "submit", class: "btn style-1" }, "Send"));
  form.hidden = false;
  hint(`Press Enter to use /${entry.path}.`);
}

function hideForm() {
  const form = $("options-form");
  form.hidden = true;
  form.replaceChildren();
}

function optionControl(option) {
  const state = view.state;
  const common = { name: option.name, "data-type": option.type };
  const select = (choices) => h("select", common, h("option", { value: "" }, option.required ? "Choose…" : "(none)"), choices.map(([value, label]) => h("option", { value }, label)));
  if (option.choices && option.choices.length) return select(option.choices.map((choice) => [String(choice.value), choice.name]));
  const users = [state.users.owner, state.users.member, state.bot].map((user) => [user.id, displayName(user)]);
  switch (option.type) {
    case 5:
      return select([["true", "True"], ["false", "False"]]);
    case 6:
      return select(users);
    case 7:
      return select([[state.channel.id, "#general"]]);
    case 8:
      return select([[state.guild.id, "@everyone"]]);
    case 9:
      return select([...users, [state.guild.id, "@everyone"]]);
    case 11:
      return h("input", { ...common, disabled: true, placeholder: "files: not in the playground" });
    case 4:
    case 10:
      return h("input", { ...common, type: "number", step: option.type === 4 ? "1" : "any", min: option.min_value, max: option.max_value, placeholder: option.type === 4 ? "a whole number" : "a number" });
    default:
      return h("input", { ...common, type: "text", minlength: option.min_length, maxlength: option.max_length, placeholder: "text" });
  }
}

function inlineOptions(rest, options) {
  const values = {};
  const text = rest.trim();
  if (!text) return values;
  const names = options.map((option) => option.name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));
  const marker = names.length ? new RegExp(`(?:^|\\s)(${names.join("|")}):`, "g") : null;
  const found = marker ? [...text.matchAll(marker)] : [];
  if (!found.length) {
    const first = options.find((option) => option.required) || options[0];
    if (first) values[first.name] = text;
    return values;
  }
  found.forEach((match, index) => {
    const start = match.index + match[0].length;
    const end = index + 1 < found.length ? found[index + 1].index : text.length;
    values[match[1]] = text.slice(start, end).trim();
  });
  return values;
}

function convert(option, raw) {
  const text = String(raw).trim();
  const state = view.state;
  if (option.choices && option.choices.length) {
    const choice = option.choices.find((c) => String(c.value) === text || c.name.toLowerCase() === text.toLowerCase());
    if (!choice) throw new Error(`${option.name}: choose one of ${option.choices.map((c) => c.name).join(", ")}`);
    return choice.value;
  }
  switch (option.type) {
    case 4:
    case 10: {
      const number = Number(text);
      if (text === "" || Number.isNaN(number) || (option.type === 4 && !Number.isInteger(number))) {
        throw new Error(`${option.name} must be ${option.type === 4 ? "a whole number" : "a number"}`);
      }
      if (option.min_value !== undefined && number < option.min_value) throw new Error(`${option.name} must be at least ${option.min_value}`);
      if (option.max_value !== undefined && number > option.max_value) throw new Error(`${option.name} must be at most ${option.max_value}`);
      return number;
    }
    case 5:
      if (/^(true|yes|1)$/i.test(text)) return true;
      if (/^(false|no|0)$/i.test(text)) return false;
      throw new Error(`${option.name} is True or False`);
    case 6:
    case 9: {
      const wanted = text.replace(/^@/, "").toLowerCase();
      const user = [state.users.owner, state.users.member, state.bot].find((u) => u.id === text || displayName(u).toLowerCase() === wanted || u.username.toLowerCase() === wanted);
      if (user) return user.id;
      if (option.type === 9 && (wanted === "everyone" || text === state.guild.id)) return state.guild.id;
      throw new Error(`${option.name}: pick someone in the playground's server`);
    }
    case 7:
      if (text === state.channel.id || text.replace(/^#/, "") === "general") return state.channel.id;
      throw new Error(`${option.name}: the playground has one channel, #general`);
    case 8:
      if (text === state.guild.id || text.replace(/^@/, "") === "everyone") return state.guild.id;
      throw new Error(`${option.name}: the playground has one role, @everyone`);
    case 11:
      throw new Error(`${option.name}: the playground cannot attach files yet`);
    default:
      if (option.min_length !== undefined && text.length < option.min_length) throw new Error(`${option.name} needs at least ${option.min_length} characters`);
      if (option.max_length !== undefined && text.length > option.max_length) throw new Error(`${option.name} takes at most ${option.max_length} characters`);
      return text;
  }
}

async function submit() {
  const box = $("message-box");
  const text = box.value.trim();
  if (!text) return;
  if (text.startsWith("/")) {
    await sendCommand(text.slice(1));
    return;
  }
  const mention = new RegExp(`@${view.state.bot.username.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}`, "gi");
  const content = text.replace(mention, `<@${view.state.bot.id}>`);
  box.value = "";
  onInput();
  const result = await post("/api/messages", { content, as: view.acting });
  if (!result.ok) hint(result.error, true);
}

async function sendCommand(typed) {
  const entry = matchEntry(typed);
  if (!entry) {
    hint(`/${typed.split(" ")[0]} is not one of the bot's commands: type / to see them.`, true);
    return;
  }
  const rest = typed.replace(/\s+/g, " ").trimStart().slice(entry.path.length);
  const raw = inlineOptions(rest, entry.options);
  const form = $("options-form");
  if (!form.hidden) {
    for (const field of form.querySelectorAll("[name]")) {
      if (field.value !== "") raw[field.name] = field.value;
    }
  }
  const options = {};
  try {
    for (const option of entry.options) {
      if (raw[option.name] === undefined || raw[option.name] === "") {
        if (option.required) throw new Error(`/${entry.path} needs ${option.name}: fill it in below`);
        continue;
      }
      options[option.name] = convert(option, raw[option.name]);
    }
  } catch (error) {
    if (form.hidden) showForm(entry);
    hint(error.message, true);
    return;
  }
  const box = $("message-box");
  box.value = "";
  view.chosen = null;
  hideForm();
  hideMenu();
  onInput();
  const result = await post("/api/interactions", { kind: "command", name: entry.path, options, as: view.acting });
  if (!result.ok) {
    if (result.error === NO_RESPONSE) systemMessage(`${NO_RESPONSE} to /${entry.path}: see the developer panel.`);
    else hint(result.error, true);
  }
}

function hint(text, failed = false) {
  const node = $("composer-hint");
  node.classList.toggle("error", failed);
  node.textContent = text || "Type / for the bot's commands · Enter sends · Shift+Enter starts a new line";
}

function startTyping() {
  hint(`${view.state.app_name} is typing…`);
  clearTimeout(view.typingTimer);
  view.typingTimer = setTimeout(() => hint(), 10000);
}

function stopTyping() {
  if (view.typingTimer) {
    clearTimeout(view.typingTimer);
    view.typingTimer = null;
    hint();
  }
}

/* -- modals ---------------------------------------------------------------------------------- */

function openModal(modal) {
  view.modal = { modal, fields: [] };
  $("modal-title").textContent = modal.title || "";
  $("modal-avatar").replaceWith(Object.assign(avatar(view.state.bot, "small"), { id: "modal-avatar" }));
  const body = $("modal-body");
  body.replaceChildren(...(modal.components || []).flatMap((component) => modalComponent(component)));
  $("modal-error").textContent = "";
  $("modal-submit").disabled = false;
  const dialog = $("modal");
  if (!dialog.open) dialog.showModal();
  const first = body.querySelector("input, textarea, button");
  if (first) first.focus();
}

function modalComponent(component) {
  if (component.type === 1) {
    return (component.components || []).map((child) => modalField(child.label || "", "", child));
  }
  if (component.type === 18) return [modalField(component.label, component.description, component.component)];
  if (component.type === 10) return [h("div", { class: "text-display" }, markdown(component.content))];
  return [h("div", { class: "unsupported" }, `(a component of type ${component.type}: the playground does not draw it)`)];
}

function modalField(labelText, description, control) {
  const required = control.required ?? [4, 21].includes(control.type);
  const field = h("div", { class: "modal-field" });
  const title = h("span", { class: "field-label" }, labelText, required ? h("span", { class: "required", "aria-hidden": "true" }, "*") : null);
  const hintText = description ? h("span", { class: "field-description" }, description) : null;
  let read = () => undefined;
  let input;
  if (control.type === 4) {
    const props = { name: control.custom_id, placeholder: control.placeholder, minlength: control.min_length, maxlength: control.max_length, required };
    input = control.style === 2 ? h("textarea", props) : h("input", { type: "text", ...props });
    input.value = control.value || "";
    read = () => input.value;
    field.append(h("label", {}, title, hintText, input));
  } else if ([3, 5, 6, 7, 8].includes(control.type)) {
    const select = renderSelect({ ...control, required }, null, true);
    read = () => select.values();
    field.append(h("div", { role: "group", "aria-label": labelText }, title, hintText, select));
    input = select;
  } else if (control.type === 21 || control.type === 22) {
    const kind = control.type === 21 ? "radio" : "checkbox";
    const boxes = (control.options || []).map((option) => {
      const box = h("input", { type: kind, name: control.custom_id, value: option.value, required: kind === "radio" && required });
      box.checked = Boolean(option.default);
      return h("label", { class: "choice" }, box, option.label);
    });
    read = () => {
      const picked = boxes.map((label) => label.querySelector("input")).filter((box) => box.checked).map((box) => box.value);
      return kind === "radio" ? picked[0] : picked;
    };
    field.append(h("div", { role: "group", "aria-label": labelText }, title, hintText, boxes));
  } else if (control.type === 23) {
    input = h("input", { type: "checkbox", name: control.custom_id });
    input.checked = Boolean(control.default);
    read = () => input.checked;
    field.append(h("label", { class: "choice" }, input, title), hintText);
  } else {
    field.append(title, h("div", { class: "unsupported" }, "File uploads are not in the playground yet."));
  }
  if (control.custom_id) view.modal.fields.push({ id: control.custom_id, read, required, control });
  return field;
}

async function submitModal(event) {
  event.preventDefault();
  const form = $("modal-form");
  if (!form.reportValidity()) return;
  const values = {};
  for (const field of view.modal.fields) {
    const value = field.read();
    if (field.required && field.control.type !== 4 && (value === undefined || (Array.isArray(value) && value.length === 0))) {
      $("modal-error").textContent = "Fill in every required field.";
      return;
    }
    if (value !== undefined) values[field.id] = value;
  }
  $("modal-submit").disabled = true;
  const result = await post("/api/interactions", { kind: "modal", opened_by: view.modal.modal.interaction_id, values, as: view.acting });
  $("modal-submit").disabled = false;
  if (result.ok) {
    $("modal").close();
    view.modal = null;
  } else {
    $("modal-error").textContent = result.error === NO_RESPONSE ? "Something went wrong. Try again." : result.error;
  }
}

/* -- the developer panel ----------------------------------------------------------------------- */

function shortPath(path) {
  const state = view.state;
  let short = path.replace(/fake-interaction-token-\d+/g, "{token}");
  if (state) {
    short = short
      .split(state.channel.id).join("{channel}")
      .split(state.guild.id).join("{guild}")
      .split(state.bot.id).join("{app}");
  }
  return short.replace(/\b\d{17,20}\b/g, "{id}");
}

function feedSummary(entry) {
  if (entry.kind === "rest") return [`${entry.method} ${shortPath(entry.path)}`, entry.status];
  if (entry.kind === "frame") {
    if (!entry.d || entry.d.intents === undefined) return [entry.name, null];
    const privileged = Object.entries(PRIVILEGED).filter(([, bit]) => entry.d.intents & bit).map(([name]) => name);
    return [`${entry.name} intents=${entry.d.intents} (privileged: ${privileged.join(", ") || "none"})`, null];
  }
  let detail = "";
  const data = entry.d || {};
  if (entry.t === "INTERACTION_CREATE") {
    detail = data.type === 2 ? ` /${data.data.name}` : data.type === 3 ? ` component ${data.data.custom_id}` : data.type === 5 ? ` modal ${data.data.custom_id}` : "";
  } else if (entry.t === "MESSAGE_CREATE") {
    detail = ` ${JSON.stringify(data.content || "")}`;
  } else if (entry.t === "GUILD_CREATE") {
    detail = ` ${data.name || ""}`;
  }
  return [`${entry.t}${detail}`, null];
}

function appendFeed(entry) {
  const feed = $("feed");
  const stick = feed.scrollHeight - feed.scrollTop - feed.clientHeight < 40;
  const [what, status] = feedSummary(entry);
  const direction = entry.kind === "dispatch" ? "←" : "→";
  const meaning = entry.kind === "rest" ? "the bot called Discord's REST API" : entry.kind === "dispatch" ? "Discord sent the bot a gateway event" : "the bot sent the gateway a command";
  const time = new Date(entry.time * 1000).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", second: "2-digit" });
  const summary = h(
    "summary",
    { title: `${time}: ${meaning}` },
    h("span", { class: "direction", "aria-label": meaning }, direction),
    h("span", { class: "what" }, what),
    status !== null ? h("span", { class: `status-code${status >= 400 ? " failed" : ""}` }, String(status)) : h("span", { class: "direction" }, time),
  );
  const details = h("details", { class: `kind-${entry.kind}` }, summary);
  details.addEventListener("toggle", () => {
    if (!details.open || details.querySelector("pre")) return;
    const payload = entry.kind === "rest" ? { request: entry.json, query: entry.query, response: entry.response } : entry.d;
    details.append(h("pre", { text: JSON.stringify(payload, null, 2) }));
  });
  details.hidden = !feedShown(entry.kind);
  feed.append(details);
  while (feed.children.length > FEED_LIMIT) feed.firstChild.remove();
  if (stick) feed.scrollTop = feed.scrollHeight;
  if (entry.kind === "rest" && entry.method === "POST" && /\/typing$/.test(entry.path)) startTyping();
}

function feedShown(kind) {
  return kind === "rest" ? $("show-rest").checked : $("show-gateway").checked;
}

function refilterFeed() {
  for (const details of $("feed").children) {
    const kind = details.className.replace("kind-", "");
    details.hidden = !feedShown(kind);
  }
}

function addProblem(problem) {
  const list = $("problems");
  const empty = list.querySelector(".empty");
  if (empty) empty.remove();
  const [headline, ...rest] = problem.message.split("\n");
  const details = [rest.join("\n"), problem.details].filter(Boolean).join("\n");
  const node = h(
    "div",
    { class: `problem ${problem.level}` },
    h("div", { class: "problem-source" }, `${new Date(problem.time * 1000).toLocaleTimeString()} · ${problem.level} · ${problem.source}`),
    h("div", { class: "problem-message" }, headline),
    details ? h("details", { open: true }, h("summary", {}, "Details"), h("pre", { text: details })) : null,
  );
  list.prepend(node);
  const errors = list.querySelectorAll(".problem").length;
  $("problem-count").textContent = errors ? String(errors) : "";
}

function toast(text, failed = false) {
  const node = h("div", { class: `toast${failed ? " failed" : ""}`, role: failed ? "alert" : "status" }, text);
  $("toasts").append(node);
  setTimeout(() => node.remove(), failed ? 9000 : 4000);
}

/* -- talking to the playground -------------------------------------------------------------- */

async function post(path, body) {
  try {
    const response = await fetch(path, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
    const text = await response.text();
    try {
      return JSON.parse(text);
    } catch {
      return { ok: false, error: text || `${response.status} ${response.statusText}` };
    }
  } catch (error) {
    return { ok: false, error: `The playground is not answering (${error.message}): is it still running?` };
  }
}

function handle(frame) {
  switch (frame.kind) {
    case "state":
      loadState(frame.state);
      break;
    case "message_create":
    case "message_update":
      upsertMessage(frame.message);
      break;
    case "message_delete":
      removeMessage(frame.id);
      break;
    case "commands":
      view.state.commands = frame.commands;
      showChannelTexts();
      if (!$("command-menu").hidden) onInput();
      break;
    case "modal":
      openModal(frame.modal);
      break;
    case "feed":
      appendFeed(frame.entry);
      break;
    case "problem":
      addProblem(frame.problem);
      break;
    case "reload":
      if (frame.ok) toast(`${frame.action === "unloaded" ? "Unloaded" : "Reloaded"} ${frame.extension}`);
      else toast(`${frame.extension} did not load; the bot keeps its previous version.\n${frame.error}`, true);
      break;
    default:
      break;
  }
}

function connect() {
  const status = $("status");
  const socket = new WebSocket(`${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/api/live`);
  socket.addEventListener("open", () => {
    status.className = "status online";
    status.textContent = "Connected";
  });
  socket.addEventListener("message", (event) => handle(JSON.parse(event.data)));
  socket.addEventListener("close", () => {
    status.className = "status offline";
    status.textContent = "Playground stopped? Reconnecting…";
    setTimeout(connect, 1000);
  });
}

function start() {
  const box = $("message-box");
  box.addEventListener("input", onInput);
  box.addEventListener("keydown", (event) => {
    const menuOpen = !$("command-menu").hidden && view.menuEntries.length > 0;
    if (menuOpen && (event.key === "ArrowDown" || event.key === "ArrowUp")) {
      event.preventDefault();
      moveMenu(event.key === "ArrowDown" ? 1 : -1);
    } else if (menuOpen && event.key === "Tab") {
      event.preventDefault();
      choose(view.menuEntries[view.menuIndex]);
    } else if (event.key === "Escape") {
      hideMenu();
    } else if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      const typed = box.value.trim().slice(1);
      if (menuOpen && !matchEntry(typed)) choose(view.menuEntries[view.menuIndex]);
      else submit();
    }
  });
  box.addEventListener("blur", () => setTimeout(hideMenu, 150));
  $("options-form").addEventListener("submit", (event) => {
    event.preventDefault();
    submit();
  });
  $("acting-as").addEventListener("change", (event) => {
    view.acting = event.target.value;
    showActing();
  });
  $("toggle-dev").addEventListener("click", (event) => {
    const hidden = $("app").classList.toggle("dev-hidden");
    event.currentTarget.setAttribute("aria-pressed", String(!hidden));
  });
  $("show-rest").addEventListener("change", refilterFeed);
  $("show-gateway").addEventListener("change", refilterFeed);
  $("clear-feed").addEventListener("click", () => $("feed").replaceChildren());
  $("modal-form").addEventListener("submit", submitModal);
  $("modal-cancel").addEventListener("click", () => {
    $("modal").close();
    view.modal = null;
  });
  hint();
  connect();
  box.focus();
}

document.addEventListener("DOMContentLoaded", start);
