// Isola's JavaScript runtime: the Web APIs a handler expects (Headers, Request, Response, URL,
// URLSearchParams, console, atob/btoa, structuredClone, queueMicrotask, DOMException), the
// capability bindings a route was granted (env.KV, env.kv, env.vars, env.secrets, env.files, fetch), and the
// dispatch function the host calls once per context.
//
// It is evaluated in every fresh context, before the handler module, so top-level work is kept
// to defining functions and classes (URL and URLSearchParams are built on first use). Everything
// dispatch relies on is captured here, before any handler code runs, instances keep their state
// in WeakMaps, and the runtime's own lists have no prototype (newList): a handler that rewrites
// prototypes or globals can break its own calls, never the result handed to the host, and accessors
// it puts on Array.prototype or Object.prototype see nothing the runtime handles.
//
// Deliberate departures from the specs, for a server runtime: bodies are strings, buffers or
// URLSearchParams (no streams, Blob or FormData; other objects are a TypeError instead of being
// stringified); header values may hold any character but CR, LF and NUL (as in Node); reading the
// body of the Response a handler returns is an error; console output is single-line Node-style
// formatting; URL hosts are mapped with NFKC + lower case + Punycode rather than the full UTS 46
// tables.
(() => {
"use strict";

// ---- built-ins captured before any handler code runs ----
const G = globalThis;
const { apply, ownKeys, construct } = Reflect;
const { freeze, defineProperty, getOwnPropertyDescriptor: gopd, getPrototypeOf, setPrototypeOf, is: objectIs } = Object;
const { sort: arraySort, values: arrayValues } = Array.prototype;
const isArray = Array.isArray;
const { toLowerCase: stringLower, toUpperCase: stringUpper, indexOf: stringIndexOf,
  slice: stringSlice, charCodeAt: stringCharCodeAt } = String.prototype;
const Str = String, fromCharCode = String.fromCharCode;
const U8 = Uint8Array, AB = ArrayBuffer, P = Promise, Err = Error, TypeErr = TypeError, RangeErr = RangeError;
const promiseThen = P.prototype.then;
const promiseResolve = P.resolve, promiseReject = P.reject;
const resolveWith = (v) => apply(promiseResolve, P, [v]), rejectWith = (e) => apply(promiseReject, P, [e]);
const getter = (o, k) => gopd(o, k).get;
const TA = getPrototypeOf(U8.prototype);
const taTag = getter(TA, Symbol.toStringTag), taBuffer = getter(TA, "buffer"),
  taOffset = getter(TA, "byteOffset"), taLength = getter(TA, "byteLength");
const DV = DataView.prototype;
const dvBuffer = getter(DV, "buffer"), dvOffset = getter(DV, "byteOffset"), dvLength = getter(DV, "byteLength");
const abLength = getter(AB.prototype, "byteLength"), isView = AB.isView;
const jsonParse = JSON.parse, jsonStringify = JSON.stringify;
const encodeComponent = encodeURIComponent, decodeComponent = decodeURIComponent, encodeWholeURI = encodeURI;
const encoderEncode = TextEncoder.prototype.encode, decoderDecode = TextDecoder.prototype.decode;
const Encoder = TextEncoder, Decoder = TextDecoder;
const dateNow = Date.now;
const { get: weakGet, set: weakSet } = WeakMap.prototype, Weak = WeakMap;
const ITERATOR = Symbol.iterator;

// ---- small helpers (all built on the captured functions) ----
const lower = (s) => apply(stringLower, s, []);
// The runtime's own lists (header lists, what the host packs, pending logs) have no prototype: a
// handler can put accessors on the indices of Array.prototype or Object.prototype, which a write to a
// missing index (an append) or a read of a hole would run, letting it see values it was never handed
// or slip unchecked ones into what the host receives. On a list without a prototype every index is
// the list's own. Lists given to the handler get Array.prototype back once filled (handlerArray).
const AP_ = Array.prototype;
const newList = () => setPrototypeOf([], null);
const handlerArray = (list) => setPrototypeOf(list, AP_);
// Appends by index rather than through Array.prototype.push, which a handler can replace.
const push2 = (list, a, b) => { const n = list.length; list[n] = a; list[n + 1] = b; };
const push1 = (list, a) => { list[list.length] = a; };
const list2 = (a, b) => { const l = newList(); l[0] = a; l[1] = b; return l; };
const toStr = (v) => { if (typeof v === "symbol") throw new TypeErr("Cannot convert a Symbol value to a string"); return Str(v); };
const isObject = (v) => v !== null && (typeof v === "object" || typeof v === "function");
let encoder = null, decoder = null;
const utf8 = (s) => apply(encoderEncode, encoder ??= new Encoder(), [s]);
const fromUtf8 = (u) => apply(decoderDecode, decoder ??= new Decoder(), [u]);
const isArrayBuffer = (v) => { try { apply(abLength, v, []); return true; } catch { return false; } };

// ---- generic array methods on huge array-likes ----
// GraalJS runs a generic Array.prototype method over an array-like in a Java loop that polls for
// cancellation only where an element exists, so Array.prototype.lastIndexOf.call({ length: 2 ** 53
// - 1 }, 1) would run for years, out of reach of the call's deadline. These methods therefore refuse
// (RangeError) a receiver longer than MAX_GENERIC_LENGTH unless it is a typed array (whose length
// its buffer bounds), and (TypeError) an array-like whose length is not an own number (a getter or
// valueOf could answer small here and huge to the method). Everything else is unchanged.
{
  const MAX_GENERIC_LENGTH = 16777216;
  const AP = Array.prototype;
  const checkReceiver = (self, name) => {
    if (isArray(self)) {
      if (self.length > MAX_GENERIC_LENGTH) {
        throw new RangeErr("Array.prototype." + name + " on an array of length " + self.length
          + ": Isola allows at most " + MAX_GENERIC_LENGTH + " elements here");
      }
      return;
    }
    if (isObject(self) && apply(taTag, self, []) !== undefined) return; // a typed array
    if (self === null || self === undefined) return; // the method's own TypeError
    const d = gopd(Object(self), "length");
    const length = d === undefined ? 0 : d.value;
    if (d !== undefined && (!("value" in d) || typeof length !== "number")) {
      throw new TypeErr("Array.prototype." + name + " on an array-like whose length is not an own number:"
        + " Isola runs generic array methods only on arrays, typed arrays and array-likes with a plain length");
    }
    if (length > MAX_GENERIC_LENGTH) {
      throw new RangeErr("Array.prototype." + name + " on an array-like of length " + length
        + ": Isola allows at most " + MAX_GENERIC_LENGTH + " elements here");
    }
  };
  // The methods that walk their receiver's length (push, pop and at do not). One literal of methods
  // (names and lengths as the originals'), then one define per method: this runs in every context.
  const O = {
    copyWithin: AP.copyWithin, every: AP.every, filter: AP.filter, find: AP.find, findIndex: AP.findIndex,
    findLast: AP.findLast, findLastIndex: AP.findLastIndex, flat: AP.flat, flatMap: AP.flatMap,
    forEach: AP.forEach, includes: AP.includes, indexOf: AP.indexOf, lastIndexOf: AP.lastIndexOf,
    reduce: AP.reduce, reduceRight: AP.reduceRight, reverse: AP.reverse, shift: AP.shift, some: AP.some,
    sort: AP.sort, splice: AP.splice, unshift: AP.unshift, concat: AP.concat, fill: AP.fill, map: AP.map,
    slice: AP.slice, join: AP.join, toReversed: AP.toReversed, toSorted: AP.toSorted, toSpliced: AP.toSpliced,
    with: AP.with };
  const SPREADABLE = Symbol.isConcatSpreadable;
  const guarded = {
    copyWithin(target, start) { checkReceiver(this, "copyWithin"); return apply(O.copyWithin, this, arguments); },
    every(callback) { checkReceiver(this, "every"); return apply(O.every, this, arguments); },
    filter(callback) { checkReceiver(this, "filter"); return apply(O.filter, this, arguments); },
    find(predicate) { checkReceiver(this, "find"); return apply(O.find, this, arguments); },
    findIndex(predicate) { checkReceiver(this, "findIndex"); return apply(O.findIndex, this, arguments); },
    findLast(predicate) { checkReceiver(this, "findLast"); return apply(O.findLast, this, arguments); },
    findLastIndex(predicate) { checkReceiver(this, "findLastIndex"); return apply(O.findLastIndex, this, arguments); },
    flat() { checkReceiver(this, "flat"); return apply(O.flat, this, arguments); },
    flatMap(mapper) { checkReceiver(this, "flatMap"); return apply(O.flatMap, this, arguments); },
    forEach(callback) { checkReceiver(this, "forEach"); return apply(O.forEach, this, arguments); },
    includes(searchElement) { checkReceiver(this, "includes"); return apply(O.includes, this, arguments); },
    indexOf(searchElement) { checkReceiver(this, "indexOf"); return apply(O.indexOf, this, arguments); },
    lastIndexOf(searchElement) { checkReceiver(this, "lastIndexOf"); return apply(O.lastIndexOf, this, arguments); },
    reduce(callback) { checkReceiver(this, "reduce"); return apply(O.reduce, this, arguments); },
    reduceRight(callback) { checkReceiver(this, "reduceRight"); return apply(O.reduceRight, this, arguments); },
    reverse() { checkReceiver(this, "reverse"); return apply(O.reverse, this, arguments); },
    shift() { checkReceiver(this, "shift"); return apply(O.shift, this, arguments); },
    some(callback) { checkReceiver(this, "some"); return apply(O.some, this, arguments); },
    sort(comparator) { checkReceiver(this, "sort"); return apply(O.sort, this, arguments); },
    splice(start, deleteCount) { checkReceiver(this, "splice"); return apply(O.splice, this, arguments); },
    unshift(item) { checkReceiver(this, "unshift"); return apply(O.unshift, this, arguments); },
    fill(value) { checkReceiver(this, "fill"); return apply(O.fill, this, arguments); },
    map(callback) { checkReceiver(this, "map"); return apply(O.map, this, arguments); },
    slice(start, end) { checkReceiver(this, "slice"); return apply(O.slice, this, arguments); },
    join(separator) { checkReceiver(this, "join"); return apply(O.join, this, arguments); },
    toReversed() { checkReceiver(this, "toReversed"); return apply(O.toReversed, this, arguments); },
    toSorted(comparator) { checkReceiver(this, "toSorted"); return apply(O.toSorted, this, arguments); },
    toSpliced(start, skipCount) { checkReceiver(this, "toSpliced"); return apply(O.toSpliced, this, arguments); },
    with(index, value) { checkReceiver(this, "with"); return apply(O.with, this, arguments); },
    // concat walks its arguments too, when they are spreadable array-likes.
    concat(value) {
      checkReceiver(this, "concat");
      for (let i = 0; i < arguments.length; i++) {
        const a = arguments[i];
        if (isObject(a) && !isArray(a) && a[SPREADABLE]) checkReceiver(a, "concat");
      }
      return apply(O.concat, this, arguments);
    } };
  for (const name of ownKeys(guarded)) {
    defineProperty(AP, name, { value: guarded[name], writable: true, enumerable: false, configurable: true });
  }
}
const u8Length = (u) => apply(taLength, u, []);
// A Uint8Array that owns a fresh buffer holding exactly these bytes (no species lookups involved).
const copyBytes = (buffer, offset, length) => new U8(new U8(buffer, offset, length));
const viewBytes = (v) => apply(taTag, v, []) !== undefined // a copy of the bytes an ArrayBuffer view sees
  ? copyBytes(apply(taBuffer, v, []), apply(taOffset, v, []), apply(taLength, v, []))
  : copyBytes(apply(dvBuffer, v, []), apply(dvOffset, v, []), apply(dvLength, v, []));
const exactBuffer = (u) => {
  const buffer = apply(taBuffer, u, []);
  if (apply(taOffset, u, []) === 0 && apply(abLength, buffer, []) === u8Length(u)) return buffer;
  return apply(taBuffer, new U8(u), []);
};
const TOKEN = {}; // lets the runtime call its own constructors without the public checks
// Instance state lives in WeakMaps, never in properties a handler could reach. (Private fields
// would do too, but GraalJS pays ~20 us per class for the first instance in a fresh context.)
// Each map carries the original get/set as own properties, so a call is direct yet untouchable.
// Defined, not assigned: an accessor a handler put on WeakMap.prototype must not catch them (URL's
// maps are made on first use, after handler code may have run).
const stateMap = () => {
  const m = new Weak();
  defineProperty(m, "get", { value: weakGet });
  defineProperty(m, "set", { value: weakSet });
  return m;
};
const stateOf = (map, o) => map.get(o);
const setState = (map, o, st) => { map.set(o, st); };
const thisState = (map, o, what) => {
  const st = map.get(o);
  if (st === undefined) throw new TypeErr(`Illegal invocation: not a ${what}`);
  return st;
};

// ---- Headers ----
// Character loops rather than regular expressions: a regular expression costs several
// microseconds the first time each fresh context runs it.
const isTokenCode = (c) => c >= 97 ? c <= 122 || c === 124 || c === 126 // a-z | ~
  : c >= 65 ? c <= 90 || c >= 94 // A-Z ^ _ `
  : c >= 48 ? c <= 57 // 0-9
  : c === 33 || (c >= 35 && c <= 39) || c === 42 || c === 43 || c === 45 || c === 46; // ! #$%&' * + - .
const isToken = (s) => {
  const n = s.length;
  if (n === 0) return false;
  for (let i = 0; i < n; i++) if (!isTokenCode(apply(stringCharCodeAt, s, [i]))) return false;
  return true;
};
const hasChar = (s, c) => apply(stringIndexOf, s, [c]) >= 0;
const isTokenFast = (s) => { // encodeURIComponent keeps A-Z a-z 0-9 - _ . ! ~ * ' ( ), all tokens but ( )
  try {
    if (encodeComponent(s) === s && !hasChar(s, "(") && !hasChar(s, ")") && s !== "") return true;
  } catch { return false; }
  return isToken(s);
};
const headerName = (n) => {
  n = toStr(n);
  if (!isTokenFast(n)) throw new TypeErr(`Invalid header name: "${n}"`);
  return lower(n);
};
const isHttpSpace = (c) => c === 9 || c === 10 || c === 13 || c === 32;
const headerValue = (v, name) => {
  v = toStr(v);
  let start = 0, end = v.length;
  while (start < end && isHttpSpace(apply(stringCharCodeAt, v, [start]))) start++;
  while (end > start && isHttpSpace(apply(stringCharCodeAt, v, [end - 1]))) end--;
  if (start > 0 || end < v.length) v = apply(stringSlice, v, [start, end]);
  for (let i = 0; i < v.length; i++) { // field-content: HTAB, SP, VCHAR, obs-text (as Node)
    const c = apply(stringCharCodeAt, v, [i]);
    if ((c < 0x20 && c !== 9) || c === 0x7f || c > 0xff) {
      throw new TypeErr(`Invalid header value for "${name}": character U+${apply(stringSlice, "000" + c.toString(16), [-4])} at ${i} is not allowed (only tab, printable ASCII and U+0080-U+00FF)`);
    }
  }
  return v;
};
// The list is flat: [name0, value0, name1, value1, ...], lower-case names, insertion order.
const listGet = (l, n) => {
  let r = null;
  for (let i = 0; i < l.length; i += 2) if (l[i] === n) r = r === null ? l[i + 1] : r + ", " + l[i + 1];
  return r;
};
const listRemove = (l, n, keepValue) => { // removes n; if keepValue is a string, the first n becomes it
  let j = 0, kept = false;
  for (let i = 0; i < l.length; i += 2) {
    if (l[i] === n) {
      if (keepValue === undefined || kept) continue;
      kept = true; l[j++] = n; l[j++] = keepValue;
    } else { l[j++] = l[i]; l[j++] = l[i + 1]; }
  }
  l.length = j;
  return kept;
};
// Sorted and combined, as the Fetch spec iterates headers; set-cookie values stay separate.
const listSorted = (l) => {
  const names = newList();
  for (let i = 0; i < l.length; i += 2) {
    let seen = false;
    for (let k = 0; k < names.length; k++) if (names[k] === l[i]) { seen = true; break; }
    if (!seen) push1(names, l[i]);
  }
  apply(arraySort, names, []);
  const out = newList();
  for (let k = 0; k < names.length; k++) {
    const n = names[k];
    if (n === "set-cookie") { for (let i = 0; i < l.length; i += 2) if (l[i] === n) push1(out, [n, l[i + 1]]); }
    else push1(out, [n, listGet(l, n)]);
  }
  return out;
};
const listFlat = (l) => { // the host's encoding; null if the list was corrupted by tampering
  let s = "";
  const n = l.length;
  if (typeof n !== "number" || n % 2 !== 0) return null;
  for (let i = 0; i < n; i++) {
    const x = l[i];
    if (typeof x !== "string" || apply(stringIndexOf, x, ["\0"]) >= 0) return null;
    s += x + "\0";
  }
  return s;
};
const pairOf = (pair, what) => {
  const a = isArray(pair) ? pair : isObject(pair) && typeof pair[ITERATOR] === "function" ? [...pair] : null;
  if (a === null || a.length !== 2) throw new TypeErr(`${what} must be [name, value] pairs`);
  return a;
};

const HEADERS = stateMap();
const MUTABLE = 0, IMMUTABLE = 1;
const headersList = (h) => stateOf(HEADERS, h).l;
const isHeaders = (h) => stateOf(HEADERS, h) !== undefined;
const headersOf = (h) => thisState(HEADERS, h, "Headers");
const writableList = (h) => {
  const st = headersOf(h);
  if (st.g === IMMUTABLE) throw new TypeErr("Can't modify immutable headers");
  return st.l;
};
class Headers {
  constructor(init) {
    const l = newList();
    setState(HEADERS, this, { l, g: MUTABLE });
    if (init === undefined || init === null || init === TOKEN) return;
    if (!isObject(init)) throw new TypeErr("Headers init must be a Headers, an array of [name, value] pairs or an object");
    const src = stateOf(HEADERS, init);
    if (src !== undefined) { for (let i = 0; i < src.l.length; i++) push1(l, src.l[i]); return; }
    if (isArray(init)) { // the common case, without the iterator protocol
      for (let i = 0; i < init.length; i++) {
        const a = pairOf(init[i], "Headers init"), n = headerName(a[0]);
        push2(l, n, headerValue(a[1], n));
      }
      return;
    }
    if (typeof init[ITERATOR] === "function") {
      for (const pair of init) {
        const a = pairOf(pair, "Headers init"), n = headerName(a[0]);
        push2(l, n, headerValue(a[1], n));
      }
      return;
    }
    const keys = ownKeys(init);
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i], d = gopd(init, k);
      if (typeof k !== "string" || d === undefined || !d.enumerable) continue;
      const n = headerName(k);
      push2(l, n, headerValue(init[k], n));
    }
  }
  append(name, value) { const l = writableList(this), n = headerName(name); push2(l, n, headerValue(value, n)); }
  set(name, value) {
    const l = writableList(this), n = headerName(name), v = headerValue(value, n);
    if (!listRemove(l, n, v)) push2(l, n, v);
  }
  delete(name) { listRemove(writableList(this), headerName(name)); }
  get(name) { return listGet(headersOf(this).l, headerName(name)); }
  getSetCookie() {
    const l = headersOf(this).l, out = newList();
    for (let i = 0; i < l.length; i += 2) if (l[i] === "set-cookie") push1(out, l[i + 1]);
    return handlerArray(out);
  }
  has(name) { return listGet(headersOf(this).l, headerName(name)) !== null; }
  forEach(callback, thisArg) {
    const pairs = listSorted(headersOf(this).l);
    for (let i = 0; i < pairs.length; i++) apply(callback, thisArg, [pairs[i][1], pairs[i][0], this]);
  }
  entries() { return apply(arrayValues, listSorted(headersOf(this).l), []); }
  keys() { const p = listSorted(headersOf(this).l); for (let i = 0; i < p.length; i++) p[i] = p[i][0]; return apply(arrayValues, p, []); }
  values() { const p = listSorted(headersOf(this).l); for (let i = 0; i < p.length; i++) p[i] = p[i][1]; return apply(arrayValues, p, []); }
  [ITERATOR]() { return this.entries(); }
}
const headersMake = (l, guard) => { const h = new Headers(TOKEN), st = stateOf(HEADERS, h); st.l = l; st.g = guard; return h; };
const copyHeaders = (h, guard) => {
  const src = headersList(h), l = newList();
  for (let i = 0; i < src.length; i++) push1(l, src[i]);
  return headersMake(l, guard);
};

// ---- bodies (shared by Request and Response) ----
// A body is { t: string | null, b: Uint8Array | null, h: host source | null }; it is never
// mutated after creation except to cache host reads, so clones can share it.
const TEXT = 0, JSON_ = 1, BUFFER = 2, BYTES = 3;
const textBody = (t) => ({ t, b: null, h: null });
const bytesBody = (b) => ({ t: null, b, h: null });
const extractBody = (v) => { // -> [body, default content type or null]
  if (v === undefined || v === null) return [null, null];
  if (typeof v === "string") return [textBody(v), "text/plain;charset=UTF-8"];
  if (isObject(v)) {
    if (isArrayBuffer(v)) return [bytesBody(copyBytes(v, 0, apply(abLength, v, []))), null];
    if (isView(v)) return [bytesBody(viewBytes(v)), null];
    if (urlLib !== null && urlLib.isParams(v)) return [textBody(urlLib.serializeParams(v)), "application/x-www-form-urlencoded;charset=UTF-8"];
    throw new TypeErr(`Unsupported body: ${describe(v)}. Use a string, ArrayBuffer, TypedArray, DataView, URLSearchParams or null (Response.json(value) for JSON)`);
  }
  if (typeof v === "symbol") throw new TypeErr("A Symbol cannot be a body");
  return [textBody(Str(v)), "text/plain;charset=UTF-8"];
};
// The host fills a buffer the runtime allocates, eight bytes per call: no per-byte work in JavaScript.
const allocBuffer = (n) => new AB(n);
const bodyText = (b) => {
  if (b.t !== null) return b.t;
  if (b.b !== null) return fromUtf8(b.b);
  const h = b.h;
  return h.tc ??= Str(h.text());
};
const bodyBytes = (b) => {
  if (b.b !== null) return b.b;
  if (b.t !== null) return utf8(b.t);
  const h = b.h;
  return h.bc ??= new U8(h.bytes(allocBuffer));
};
const consume = (st, how) => {
  const b = st.body;
  if (b !== null) {
    if (st.used) throw new TypeErr("Body has already been used: a body can be read once; call clone() before reading it twice");
    st.used = true;
  }
  switch (how) {
    case TEXT: return b === null ? "" : bodyText(b);
    case JSON_: return jsonParse(b === null ? "" : bodyText(b));
    case BUFFER: return b === null ? new AB(0) : apply(taBuffer, new U8(bodyBytes(b)), []);
    default: return b === null ? new U8(0) : new U8(bodyBytes(b));
  }
};
const unsupported = async (what) => { throw new TypeErr(`${what}() is not supported by Isola: use text(), json(), arrayBuffer() or bytes()`); };

// ---- Request ----
const normalizeMethod = (m) => {
  m = toStr(m);
  if (!isToken(m)) throw new TypeErr(`Invalid method: "${m}"`);
  const u = apply(stringUpper, m, []);
  if (u === "CONNECT" || u === "TRACE" || u === "TRACK") throw new TypeErr(`Forbidden method: "${m}"`);
  return u === "DELETE" || u === "GET" || u === "HEAD" || u === "OPTIONS" || u === "POST" || u === "PUT" ? u : m;
};
const REQUESTS = stateMap();
const requestState = (r) => stateOf(REQUESTS, r);
class Request {
  constructor(input, init) {
    if (input === TOKEN) { setState(REQUESTS, this, init); return; }
    let method = "GET", url, headers, body = null;
    const src = stateOf(REQUESTS, input);
    if (src !== undefined) {
      method = src.method; url = src.url; headers = copyHeaders(src.headers, MUTABLE); body = src.body;
    } else {
      const s = toStr(input), u = urls(), r = u.parse(s, null);
      if (r === null) throw u.invalid(s, undefined);
      url = u.href(r); headers = headersMake([], MUTABLE);
    }
    if (init !== undefined && init !== null) {
      if (!isObject(init)) throw new TypeErr("Request init must be an object");
      if (init.method !== undefined) method = normalizeMethod(init.method);
      if (init.headers !== undefined) headers = new Headers(init.headers);
      if (init.body !== undefined) {
        const e = extractBody(init.body), type = e[1];
        body = e[0];
        const l = headersList(headers);
        if (type !== null && listGet(l, "content-type") === null) push2(l, "content-type", type);
      }
    }
    if (body !== null && (method === "GET" || method === "HEAD")) throw new TypeErr("Request with GET/HEAD method cannot have body");
    if (body !== null && src !== undefined && body === src.body) { // the body moves to the new Request
      if (src.used) throw new TypeErr("Cannot construct a Request from a Request whose body has been used");
      src.used = true;
    }
    setState(REQUESTS, this, { method, url, headers, body, used: false });
  }
  get method() { return thisState(REQUESTS, this, "Request").method; }
  get url() { return thisState(REQUESTS, this, "Request").url; }
  get headers() { return thisState(REQUESTS, this, "Request").headers; }
  get bodyUsed() { return thisState(REQUESTS, this, "Request").used; }
  get redirect() { return "follow"; }
  async text() { return consume(thisState(REQUESTS, this, "Request"), TEXT); }
  async json() { return consume(thisState(REQUESTS, this, "Request"), JSON_); }
  async arrayBuffer() { return consume(thisState(REQUESTS, this, "Request"), BUFFER); }
  async bytes() { return consume(thisState(REQUESTS, this, "Request"), BYTES); }
  formData() { return unsupported("formData"); }
  blob() { return unsupported("blob"); }
  clone() {
    const s = thisState(REQUESTS, this, "Request");
    if (s.used) throw new TypeErr("Cannot clone a Request whose body has been used");
    return new Request(TOKEN, { method: s.method, url: s.url, headers: copyHeaders(s.headers, MUTABLE), body: s.body, used: false });
  }
}

// ---- Response ----
const isReasonPhrase = (s) => { // HTAB, SP, VCHAR, obs-text
  for (let i = 0; i < s.length; i++) {
    const c = apply(stringCharCodeAt, s, [i]);
    if (c !== 9 && (c < 32 || c === 127 || c > 255)) return false;
  }
  return true;
};
const responseInit = (body, init, jsonType) => {
  if (init === undefined || init === null) init = {};
  else if (!isObject(init)) throw new TypeErr("Response init must be an object");
  let status = 200;
  if (init.status !== undefined) {
    status = +init.status;
    if (!(status >= 200 && status <= 599)) throw new RangeErr(`Response status must be in the range 200 to 599, got ${Str(init.status)}`);
    status = status - status % 1;
  }
  let statusText = "";
  if (init.statusText !== undefined) {
    statusText = toStr(init.statusText);
    if (!isReasonPhrase(statusText)) throw new TypeErr(`Invalid statusText: "${statusText}"`);
  }
  const headers = new Headers(init.headers);
  const e = extractBody(body), b = e[0], type = e[1];
  if (b !== null) {
    if (status === 204 || status === 205 || status === 304) throw new TypeErr(`A Response with status ${status} cannot have a body`);
    const l = headersList(headers);
    if (type !== null && listGet(l, "content-type") === null) push2(l, "content-type", jsonType ? "application/json" : type);
  }
  return { status, statusText, headers, body: b, used: false };
};
const RESPONSES = stateMap();
const responseState = (r) => stateOf(RESPONSES, r);
class Response {
  constructor(body, init) {
    setState(RESPONSES, this, body === TOKEN ? init : responseInit(body, init, false));
  }
  static json(data, init) {
    const s = jsonStringify(data);
    if (s === undefined) throw new TypeErr("Response.json: the data is not JSON-serializable");
    return new Response(TOKEN, responseInit(s, init, true));
  }
  static redirect(url, status = 302) {
    const s = toStr(url), u = urls(), r = u.parse(s, null);
    if (r === null) throw u.invalid(s, undefined);
    status = +status;
    if (status !== 301 && status !== 302 && status !== 303 && status !== 307 && status !== 308) throw new RangeErr(`Invalid redirect status: ${status} (use 301, 302, 303, 307 or 308)`);
    return new Response(TOKEN, { status, statusText: "", headers: headersMake(list2("location", u.href(r)), IMMUTABLE), body: null, used: false });
  }
  get status() { return thisState(RESPONSES, this, "Response").status; }
  get ok() { const s = thisState(RESPONSES, this, "Response").status; return s >= 200 && s <= 299; }
  get statusText() { return thisState(RESPONSES, this, "Response").statusText; }
  get headers() { return thisState(RESPONSES, this, "Response").headers; }
  get bodyUsed() { return thisState(RESPONSES, this, "Response").used; }
  // Set only on what fetch() answers with: the final URL, and whether redirects led there.
  get redirected() { return thisState(RESPONSES, this, "Response").redirected === true; }
  get type() { return "default"; }
  get url() { const u = thisState(RESPONSES, this, "Response").url; return typeof u === "string" ? u : ""; }
  async text() { return consume(thisState(RESPONSES, this, "Response"), TEXT); }
  async json() { return consume(thisState(RESPONSES, this, "Response"), JSON_); }
  async arrayBuffer() { return consume(thisState(RESPONSES, this, "Response"), BUFFER); }
  async bytes() { return consume(thisState(RESPONSES, this, "Response"), BYTES); }
  formData() { return unsupported("formData"); }
  blob() { return unsupported("blob"); }
  clone() {
    const s = thisState(RESPONSES, this, "Response");
    if (s.used) throw new TypeErr("Cannot clone a Response whose body has been used");
    return new Response(TOKEN, { status: s.status, statusText: s.statusText, headers: copyHeaders(s.headers, MUTABLE), body: s.body, used: false,
      url: s.url, redirected: s.redirected });
  }
}

// ---- URL and URLSearchParams: WHATWG URL Standard, without the IDNA tables (non-ASCII hosts
// use NFKC + lower case + Punycode). Built on first use: most handlers never parse a URL, and
// every call pays for what the runtime defines up front.
let urlLib = null;
const urls = () => urlLib ??= makeUrlLib();
function makeUrlLib() {
  // A record: { s: scheme, u: username, pw: password, h: host | null, p: port | null,
  //             path: string[], op: opaque path | null, q: query | null, f: fragment | null }
  const isSpecial = (s) => s === "http" || s === "https" || s === "ws" || s === "wss" || s === "file" || s === "ftp";
  const defaultPort = (s) => s === "http" || s === "ws" ? 80 : s === "https" || s === "wss" ? 443 : s === "ftp" ? 21 : null;
  const isSlash = (c, special) => c === "/" || (special && c === "\\");
  const HEX = "0123456789ABCDEF";
  const usv = (s) => s.toWellFormed();
  // The percent-encode sets: ASCII as a 128-bit mask (C0 controls, DEL and the listed characters)
  // plus the members that encodeURI leaves alone. Scanning a string is left to native code where
  // possible: the GraalJS interpreter pays per character for a JavaScript loop, and a regular
  // expression costs microseconds the first time each fresh context runs it.
  const inSet = (set, c) => ((set.m[c >> 5] >>> (c & 31)) & 1) === 1;
  const C0_SET = { m: [-1, 0, 0, -2147483648], safe: "" };
  const FRAGMENT_SET = { m: [-1, 1342177285, 0, -2147483647], safe: "" }; // + space " < > `
  const QUERY_SET = { m: [-1, 1342177293, 0, -2147483648], safe: "#" }; // + space " # < >
  const SPECIAL_QUERY_SET = { m: [-1, 1342177421, 0, -2147483648], safe: "#'" }; // + '
  const PATH_SET = { m: [-1, -805306355, 0, -1476395007], safe: "#?" }; // query + ? ` { }
  const USERINFO_SET = { m: [-1, -67076083, 2013265921, -1207959551], safe: "#?/:;=@" }; // path + / : ; = @ [ \ ] ^ |
  const FORBIDDEN_HOST = { m: [9729, -738164727, 2013265921, 268435456] }; // NUL TAB LF CR space # / : < > ? @ [ \ ] ^ |
  const FORBIDDEN_DOMAIN = { m: [-1, -738164695, 2013265921, -1879048192] }; // C0, DEL and the above with %
  const onlyUriChars = (s) => { try { return encodeWholeURI(s) === s; } catch { return false; } };
  const encode = (s, set) => { // percent-encodes the set and everything above U+007E
    const n = s.length, safe = set.safe;
    if (n === 0) return s;
    if (onlyUriChars(s)) {
      let clean = true;
      for (let k = 0; k < safe.length; k++) if (s.indexOf(safe[k]) >= 0) { clean = false; break; }
      if (clean) return s;
    }
    let i = 0;
    while (i < n) { const c = s.charCodeAt(i); if (c > 0x7e || inSet(set, c)) break; i++; }
    if (i === n) return s;
    let out = s.slice(0, i);
    for (; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c < 0x80) { out += inSet(set, c) ? "%" + HEX[c >> 4] + HEX[c & 15] : s[i]; continue; }
      const cp = s.codePointAt(i);
      out += encodeComponent(String.fromCodePoint(cp));
      if (cp > 0xffff) i++;
    }
    return out;
  };
  const anyInSet = (s, set, above) => {
    for (let i = 0; i < s.length; i++) { const c = s.charCodeAt(i); if (c > above || c < 0x80 && inSet(set, c)) return true; }
    return false;
  };
  const isAscii = (s) => u8Length(utf8(s)) === s.length;
  const isDigits = (s, radix) => {
    if (s === "") return false;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i), l = c | 0x20; // l: a letter in lower case
      if (!(c >= 48 && c <= 57 && c < 48 + radix || radix === 16 && l >= 97 && l <= 102)) return false;
    }
    return true;
  };
  const pctDecode = (s) => { // percent-decode, then UTF-8 decode (invalid sequences become U+FFFD)
    if (s.indexOf("%") < 0) return s;
    try { return decodeComponent(s); } catch { /* invalid escapes or UTF-8: decode by hand */ }
    const b = utf8(s), out = new U8(b.length);
    const hex = (c) => c >= 48 && c <= 57 ? c - 48 : c >= 65 && c <= 70 ? c - 55 : c >= 97 && c <= 102 ? c - 87 : -1;
    let j = 0;
    for (let i = 0; i < b.length; i++) {
      if (b[i] === 37 && i + 2 < b.length && hex(b[i + 1]) >= 0 && hex(b[i + 2]) >= 0) {
        out[j++] = hex(b[i + 1]) * 16 + hex(b[i + 2]); i += 2;
      } else out[j++] = b[i];
    }
    return fromUtf8(out.subarray(0, j));
  };
  const dots = (s) => { // 1 for ".", 2 for "..", 0 otherwise (with %2e for a dot)
    if (s === ".") return 1;
    if (s === "..") return 2;
    if (s.length < 3 || s.length > 6 || (s[0] !== "." && s[0] !== "%")) return 0;
    const l = s.toLowerCase();
    return l === "%2e" ? 1 : l === ".%2e" || l === "%2e." || l === "%2e%2e" ? 2 : 0;
  };
  const isDrive = (s) => s.length === 2 && ((s.charCodeAt(0) | 0x20) >= 97 && (s.charCodeAt(0) | 0x20) <= 122) && (s[1] === ":" || s[1] === "|");
  const startsWithDrive = (s) => isDrive(s.slice(0, 2)) && (s.length === 2 || s[2] === "/" || s[2] === "\\");
  const parsePath = (path, s, special, file = false) => {
    const segs = (special && s.indexOf("\\") >= 0 ? s.replaceAll("\\", "/") : s).split("/");
    for (let i = 0, last = segs.length - 1; i <= last; i++) {
      const seg = segs[i], d = dots(seg);
      if (d === 2) {
        if (path.length > 0 && !(file && path.length === 1 && isDrive(path[0]))) path.pop();
        if (i === last) path.push("");
      } else if (d === 1) { if (i === last) path.push(""); }
      else path.push(file && path.length === 0 && isDrive(seg) ? seg[0] + ":" : encode(seg, PATH_SET));
    }
    return path;
  };
  const parseIPv6 = (s) => {
    const a = [0, 0, 0, 0, 0, 0, 0, 0], n = s.length;
    const hexv = (c) => c === undefined ? -1 : "0123456789abcdef".indexOf(c.toLowerCase());
    const isDigit = (c) => c !== undefined && c >= "0" && c <= "9";
    let pi = 0, comp = null, i = 0;
    if (s[0] === ":") { if (s[1] !== ":") return null; i = 2; comp = ++pi; }
    while (i < n) {
      if (pi === 8) return null;
      if (s[i] === ":") { if (comp !== null) return null; i++; comp = ++pi; continue; }
      let v = 0, len = 0;
      while (len < 4 && hexv(s[i]) >= 0) { v = v * 16 + hexv(s[i]); i++; len++; }
      if (s[i] === ".") {
        if (len === 0 || pi > 6) return null;
        i -= len;
        let seen = 0;
        while (i < n) {
          let v4 = null;
          if (seen > 0) { if (s[i] === "." && seen < 4) i++; else return null; }
          if (!isDigit(s[i])) return null;
          while (isDigit(s[i])) {
            const d = s.charCodeAt(i) - 48;
            if (v4 === null) v4 = d; else if (v4 === 0) return null; else v4 = v4 * 10 + d;
            if (v4 > 255) return null;
            i++;
          }
          a[pi] = a[pi] * 256 + v4;
          if (++seen === 2 || seen === 4) pi++;
        }
        if (seen !== 4) return null;
        break;
      } else if (s[i] === ":") { if (++i >= n) return null; }
      else if (i < n) return null;
      a[pi++] = v;
    }
    if (comp !== null) {
      let swaps = pi - comp;
      pi = 7;
      while (pi !== 0 && swaps > 0) { const t = a[comp + swaps - 1]; a[comp + swaps - 1] = a[pi]; a[pi] = t; pi--; swaps--; }
    } else if (pi !== 8) return null;
    return a;
  };
  const serializeIPv6 = (a) => {
    let best = -1, bestLen = 1, cur = -1;
    for (let i = 0; i < 8; i++) {
      if (a[i] !== 0) { cur = -1; continue; }
      if (cur < 0) cur = i;
      if (i - cur + 1 > bestLen) { best = cur; bestLen = i - cur + 1; }
    }
    let out = "";
    for (let i = 0; i < 8; i++) {
      if (i === best) { out += i === 0 ? "::" : ":"; i += bestLen - 1; continue; }
      out += a[i].toString(16);
      if (i < 7) out += ":";
    }
    return out;
  };
  const ipv4Number = (p) => {
    if (p === "") return null;
    let radix = 10;
    if (p.length > 1 && p[0] === "0" && (p[1] === "x" || p[1] === "X")) { radix = 16; p = p.slice(2); }
    else if (p.length > 1 && p[0] === "0") { radix = 8; p = p.slice(1); }
    if (p === "") return 0;
    return isDigits(p, radix) ? parseInt(p, radix) : null;
  };
  const endsInNumber = (d) => {
    const parts = d.split(".");
    if (parts[parts.length - 1] === "") { if (parts.length === 1) return false; parts.pop(); }
    const last = parts[parts.length - 1];
    return isDigits(last, 10) || last.length >= 2 && last[0] === "0" && (last[1] === "x" || last[1] === "X")
      && (last.length === 2 || isDigits(last.slice(2), 16));
  };
  const parseIPv4 = (d) => {
    const parts = d.split(".");
    if (parts[parts.length - 1] === "" && parts.length > 1) parts.pop();
    if (parts.length > 4) return null;
    const nums = [];
    for (const p of parts) { const v = ipv4Number(p); if (v === null) return null; nums.push(v); }
    const last = nums.length - 1;
    for (let i = 0; i < last; i++) if (nums[i] > 255) return null;
    if (nums[last] >= 256 ** (4 - last)) return null;
    let v = nums[last];
    for (let i = 0; i < last; i++) v += nums[i] * 256 ** (3 - i);
    return [v >>> 24, (v >>> 16) & 255, (v >>> 8) & 255, v & 255].join(".");
  };
  const punycode = (label) => { // RFC 3492 encoding of one label
    const cps = [...label].map((c) => c.codePointAt(0));
    const digit = (d) => String.fromCharCode(d < 26 ? 97 + d : 22 + d);
    const adapt = (delta, points, first) => {
      delta = first ? Math.floor(delta / 700) : delta >> 1;
      delta += Math.floor(delta / points);
      let k = 0;
      for (; delta > 455; k += 36) delta = Math.floor(delta / 35);
      return k + Math.floor(36 * delta / (delta + 38));
    };
    let out = "";
    for (const c of cps) if (c < 0x80) out += String.fromCharCode(c);
    let h = out.length, n = 128, delta = 0, bias = 72;
    const b = h;
    if (b > 0) out += "-";
    while (h < cps.length) {
      let m = Infinity;
      for (const c of cps) if (c >= n && c < m) m = c;
      delta += (m - n) * (h + 1); n = m;
      for (const c of cps) {
        if (c < n) delta++;
        if (c !== n) continue;
        let q = delta;
        for (let k = 36; ; k += 36) {
          const t = k <= bias ? 1 : k >= bias + 26 ? 26 : k - bias;
          if (q < t) break;
          out += digit(t + (q - t) % (36 - t));
          q = Math.floor((q - t) / (36 - t));
        }
        out += digit(q);
        bias = adapt(delta, h + 1, h === b);
        delta = 0; h++;
      }
      delta++; n++;
    }
    return "xn--" + out;
  };
  const domainToASCII = (d) => {
    if (isAscii(d)) return d.toLowerCase();
    return d.normalize("NFKC").toLowerCase().replace(/[\u00ad\u034f\u180b-\u180f\u200b\u2060\ufe00-\ufe0f\ufeff]/g, "")
      .replace(/[\u3002\uff61]/g, ".").split(".")
      .map((l) => isAscii(l) ? l : punycode(l)).join(".");
  };
  const parseHost = (s, special) => {
    if (s[0] === "[") {
      if (s[s.length - 1] !== "]") return null;
      const a = parseIPv6(s.slice(1, -1));
      return a === null ? null : "[" + serializeIPv6(a) + "]";
    }
    if (!special) return anyInSet(s, FORBIDDEN_HOST, 0x10ffff) ? null : encode(s, C0_SET);
    const decoded = pctDecode(s);
    if (decoded.indexOf("\ufffd") >= 0) return null; // invalid UTF-8 in the host
    const d = domainToASCII(decoded);
    if (d === "" || !(encodeComponent(d) === d || !anyInSet(d, FORBIDDEN_DOMAIN, 0x10ffff))) return null;
    return endsInNumber(d) ? parseIPv4(d) : d;
  };
  const setHostPort = (r, s, special) => { // "host[:port]" into r; false on failure
    const i = s[0] === "[" ? s.indexOf(":", s.indexOf("]")) : s.indexOf(":");
    const hs = i < 0 ? s : s.slice(0, i), ps = i < 0 ? "" : s.slice(i + 1);
    if (i >= 0 && hs === "") return false;
    const h = parseHost(hs, special);
    if (h === null || (special && h === "")) return false;
    let p = null;
    if (ps !== "") {
      if (!isDigits(ps, 10)) return false;
      p = +ps;
      if (p > 65535) return false;
      if (p === defaultPort(r.s)) p = null;
    }
    r.h = h; r.p = p;
    return true;
  };
  const firstSlash = (s, special) => { // index of the first / (or \ in special URLs), or s.length
    let end = s.indexOf("/");
    if (special) { const b = s.indexOf("\\"); if (b >= 0 && (end < 0 || b < end)) end = b; }
    return end < 0 ? s.length : end;
  };
  const parseAuthority = (r, s) => {
    const special = isSpecial(r.s);
    const end = firstSlash(s, special);
    let auth = s.slice(0, end);
    const at = auth.lastIndexOf("@");
    if (at >= 0) {
      const ui = auth.slice(0, at), c = ui.indexOf(":");
      r.u = encode(c < 0 ? ui : ui.slice(0, c), USERINFO_SET);
      r.pw = c < 0 ? "" : encode(ui.slice(c + 1), USERINFO_SET);
      auth = auth.slice(at + 1);
      if (auth === "") return false;
    }
    if (!setHostPort(r, auth, special)) return false;
    r.path = end === s.length ? (special ? [""] : []) : parsePath([], s.slice(end + 1), special);
    return true;
  };
  const stripSlashes = (s) => { let i = 0; while (s[i] === "/" || s[i] === "\\") i++; return s.slice(i); };
  const inheritAuthority = (r, base) => { r.u = base.u; r.pw = base.pw; r.h = base.h; r.p = base.p; };
  const parseRelative = (r, rest, base, hasQuery) => {
    const special = isSpecial(r.s);
    if (isSlash(rest[0], special)) {
      if (isSlash(rest[1], special)) return parseAuthority(r, special ? stripSlashes(rest) : rest.slice(2));
      inheritAuthority(r, base);
      r.path = parsePath([], rest.slice(1), special);
    } else {
      inheritAuthority(r, base);
      r.path = base.path.slice();
      if (rest !== "") { r.path.pop(); parsePath(r.path, rest, special); }
      else if (!hasQuery) r.q = base.q;
    }
    return true;
  };
  const parseFile = (r, rest, base, hasQuery) => {
    r.h = "";
    if (isSlash(rest[0], true) && isSlash(rest[1], true)) {
      const s = rest.slice(2), end = firstSlash(s, true);
      const hs = s.slice(0, end);
      if (isDrive(hs)) { r.path = parsePath([], s, true, true); return true; }
      if (hs !== "") {
        const h = parseHost(hs, true);
        if (h === null) return false;
        r.h = h === "localhost" ? "" : h;
      }
      r.path = end === s.length ? [""] : parsePath([], s.slice(end + 1), true, true);
    } else if (isSlash(rest[0], true)) {
      const keepDrive = base !== null && !startsWithDrive(rest.slice(1)) && base.path.length > 0 && isDrive(base.path[0]);
      if (base !== null) r.h = base.h;
      r.path = parsePath(keepDrive ? [base.path[0]] : [], rest.slice(1), true, true);
    } else if (base !== null) {
      r.h = base.h;
      if (startsWithDrive(rest)) r.path = parsePath([], rest, true, true);
      else {
        r.path = base.path.slice();
        if (rest !== "") { r.path.pop(); parsePath(r.path, rest, true, true); }
        else if (!hasQuery) r.q = base.q;
      }
    } else r.path = parsePath([], rest, true, true);
    return true;
  };
  const schemeLength = (s) => { // the length of a leading "scheme:" without the colon, or -1
    if (s.startsWith("https:")) return 5;
    if (s.startsWith("http:")) return 4;
    const c0 = s.charCodeAt(0) | 0x20;
    if (!(c0 >= 97 && c0 <= 122)) return -1;
    for (let i = 1; i < s.length; i++) {
      const c = s.charCodeAt(i), l = c | 0x20;
      if (c === 58) return i;
      if (!(l >= 97 && l <= 122 || c >= 48 && c <= 57 || c === 43 || c === 45 || c === 46)) return -1;
    }
    return -1;
  };
  const stripTabNewline = (s) => s.indexOf("\t") < 0 && s.indexOf("\n") < 0 && s.indexOf("\r") < 0 ? s
    : s.replaceAll("\t", "").replaceAll("\n", "").replaceAll("\r", "");
  // Most URLs a handler parses are plain http(s) ones such as request.url: one native match covers
  // them, and anything it does not accept (dot segments, IPv4, userinfo, characters that need
  // encoding, ...) takes the full parser below.
  const SIMPLE_URL = /^(https?):\/\/([A-Za-z0-9.-]+)(?::([0-9]{1,5}))?(\/[A-Za-z0-9\-._~!$&'()*+,;=:@\/%]*)?(?:\?([!$-&(-;=?-~]*))?(?:#([!#-;=?-_a-~]*))?$/;
  const simpleParse = (input) => {
    const m = SIMPLE_URL.exec(input);
    if (m === null) return null;
    const h = m[2].toLowerCase(), last = h.charCodeAt(h.length - 1), path = m[4];
    if (!(last >= 97 && last <= 122) || h[h.lastIndexOf(".") + 1] === "0") return null; // might be IPv4
    if (path !== undefined && (path.indexOf("/.") >= 0 || path.indexOf("%2") >= 0)) return null; // dot segments
    let p = m[3] === undefined ? null : +m[3];
    if (p !== null && p > 65535) return null;
    const s = m[1].toLowerCase();
    if (p === defaultPort(s)) p = null;
    return { s, u: "", pw: "", h, p, path: path === undefined ? [""] : path.slice(1).split("/"), op: null,
      q: m[5] === undefined ? null : m[5], f: m[6] === undefined ? null : m[6] };
  };
  const urlParse = (input, base) => { // -> record or null
    const simple = simpleParse(input);
    if (simple !== null) return simple;
    let start = 0, end = input.length;
    while (start < end && input.charCodeAt(start) <= 0x20) start++;
    while (end > start && input.charCodeAt(end - 1) <= 0x20) end--;
    const s = usv(stripTabNewline(start > 0 || end < input.length ? input.slice(start, end) : input));
    const sl = schemeLength(s);
    let rest = sl >= 0 ? s.slice(sl + 1) : s, query = null, fragment = null;
    let i = rest.indexOf("#");
    if (i >= 0) { fragment = rest.slice(i + 1); rest = rest.slice(0, i); }
    i = rest.indexOf("?");
    if (i >= 0) { query = rest.slice(i + 1); rest = rest.slice(0, i); }
    const r = { s: "", u: "", pw: "", h: null, p: null, path: [], op: null, q: null, f: null };
    let ok = true;
    if (sl >= 0) {
      r.s = s.slice(0, sl).toLowerCase();
      const special = isSpecial(r.s);
      if (r.s === "file") ok = parseFile(r, rest, base !== null && base.s === "file" ? base : null, query !== null);
      else if (special) {
        ok = base !== null && base.s === r.s && !(isSlash(rest[0], true) && isSlash(rest[1], true))
          ? parseRelative(r, rest, base, query !== null) : parseAuthority(r, stripSlashes(rest));
      } else if (rest[0] === "/") {
        if (rest[1] === "/") ok = parseAuthority(r, rest.slice(2));
        else r.path = parsePath([], rest.slice(1), false);
      } else r.op = encode(rest, C0_SET);
    } else {
      if (base === null) return null;
      r.s = base.s;
      if (base.op !== null) {
        if (rest !== "" || query !== null || fragment === null) return null;
        r.op = base.op; r.q = base.q;
      } else ok = r.s === "file" ? parseFile(r, rest, base, query !== null) : parseRelative(r, rest, base, query !== null);
    }
    if (!ok) return null;
    if (query !== null) r.q = encode(query, isSpecial(r.s) ? SPECIAL_QUERY_SET : QUERY_SET);
    if (fragment !== null) r.f = encode(fragment, FRAGMENT_SET);
    return r;
  };
  const urlPath = (r) => r.op !== null ? r.op : r.path.length === 0 ? "" : "/" + r.path.join("/");
  const urlHref = (r) => {
    let out = r.s + ":";
    if (r.h !== null) {
      out += "//";
      if (r.u !== "" || r.pw !== "") out += r.u + (r.pw !== "" ? ":" + r.pw : "") + "@";
      out += r.h;
      if (r.p !== null) out += ":" + r.p;
    } else if (r.op === null && r.path.length > 1 && r.path[0] === "") out += "/.";
    out += urlPath(r);
    if (r.q !== null) out += "?" + r.q;
    if (r.f !== null) out += "#" + r.f;
    return out;
  };
  const urlOrigin = (r) => {
    switch (r.s) {
      case "http": case "https": case "ws": case "wss": case "ftp":
        return r.s + "://" + r.h + (r.p !== null ? ":" + r.p : "");
      case "blob": {
        const inner = urlParse(urlPath(r), null);
        return inner !== null && (inner.s === "http" || inner.s === "https") ? urlOrigin(inner) : "null";
      }
      default: return "null";
    }
  };
  const invalidUrl = (input, base) => new TypeErr(`Invalid URL: ${input}` + (base === undefined
    ? (schemeLength(input) >= 0 ? "" : " (a relative URL needs a base, e.g. new URL(path, request.url))")
    : ` (base: ${base})`));
  const setterInput = (v) => usv(stripTabNewline(toStr(v)));

  const URLS = stateMap();
  const urlOf = (u) => thisState(URLS, u, "URL"); // { r: record, sp: URLSearchParams | null }
  const urlRecord = (u) => { const st = stateOf(URLS, u); return st === undefined ? undefined : st.r; };
  const queryChanged = (st) => { if (st.sp !== null) uspReset(st.sp, st.r.q ?? ""); };
  const setHost = (r, s, withPort) => {
    const special = isSpecial(r.s);
    if (r.op !== null) return;
    let end = 0;
    while (end < s.length && !isSlash(s[end], special) && s[end] !== "?" && s[end] !== "#") end++;
    s = s.slice(0, end);
    const colon = s[0] === "[" ? s.indexOf(":", s.indexOf("]")) : s.indexOf(":");
    if (colon >= 0 && !withPort) return;
    const t = { s: r.s, h: null, p: r.p };
    const digits = colon < 0 ? "" : /^[0-9]*/.exec(s.slice(colon + 1))[0];
    if (!setHostPort(t, colon < 0 ? s : s.slice(0, colon + 1) + digits, special)) return;
    if (t.h === "" && (r.u !== "" || r.pw !== "" || r.p !== null)) return;
    r.h = t.h === "localhost" && r.s === "file" ? "" : t.h;
    if (colon >= 0 && digits !== "") r.p = t.p;
  };
  class URL {
    constructor(url, base) {
      const s = toStr(url);
      let b = null;
      if (base !== undefined) {
        b = urlParse(toStr(base), null);
        if (b === null) throw new TypeErr(`Invalid base URL: ${toStr(base)}`);
      }
      const r = urlParse(s, b);
      if (r === null) throw invalidUrl(s, base === undefined ? undefined : toStr(base));
      setState(URLS, this, { r, sp: null });
    }
    static canParse(url, base) {
      const b = base === undefined ? null : urlParse(toStr(base), null);
      return (base === undefined || b !== null) && urlParse(toStr(url), b) !== null;
    }
    static parse(url, base) { try { return new URL(url, base); } catch { return null; } }
    get href() { return urlHref(urlOf(this).r); }
    set href(v) {
      const st = urlOf(this), s = toStr(v), r = urlParse(s, null);
      if (r === null) throw invalidUrl(s, undefined);
      st.r = r;
      queryChanged(st);
    }
    get origin() { return urlOrigin(urlOf(this).r); }
    get protocol() { return urlOf(this).r.s + ":"; }
    set protocol(v) {
      const r = urlOf(this).r, m = /^([A-Za-z][A-Za-z0-9+.\-]*)(?::|$)/.exec(setterInput(v));
      if (m === null) return;
      const s = m[1].toLowerCase();
      if (isSpecial(s) !== isSpecial(r.s)) return;
      if (s === "file" && (r.u !== "" || r.pw !== "" || r.p !== null)) return;
      if (r.s === "file" && r.h === "") return;
      r.s = s;
      if (r.p === defaultPort(s)) r.p = null;
    }
    get username() { return urlOf(this).r.u; }
    set username(v) { const r = urlOf(this).r; if (r.h !== null && r.h !== "" && r.s !== "file") r.u = encode(setterInput(v), USERINFO_SET); }
    get password() { return urlOf(this).r.pw; }
    set password(v) { const r = urlOf(this).r; if (r.h !== null && r.h !== "" && r.s !== "file") r.pw = encode(setterInput(v), USERINFO_SET); }
    get host() { const r = urlOf(this).r; return r.h === null ? "" : r.p === null ? r.h : r.h + ":" + r.p; }
    set host(v) { setHost(urlOf(this).r, setterInput(v), true); }
    get hostname() { return urlOf(this).r.h ?? ""; }
    set hostname(v) { setHost(urlOf(this).r, setterInput(v), false); }
    get port() { const p = urlOf(this).r.p; return p === null ? "" : "" + p; }
    set port(v) {
      const r = urlOf(this).r, s = setterInput(v);
      if (r.h === null || r.h === "" || r.s === "file") return;
      if (s === "") { r.p = null; return; }
      const digits = /^[0-9]*/.exec(s)[0];
      if (digits === "" || +digits > 65535) return;
      r.p = +digits === defaultPort(r.s) ? null : +digits;
    }
    get pathname() { return urlPath(urlOf(this).r); }
    set pathname(v) {
      const r = urlOf(this).r;
      if (r.op !== null) return;
      const s = setterInput(v), special = isSpecial(r.s);
      if (!special && s === "") { r.path = r.h === null ? [""] : []; return; }
      r.path = parsePath([], isSlash(s[0], special) ? s.slice(1) : s, special);
    }
    get search() { const q = urlOf(this).r.q; return q === null || q === "" ? "" : "?" + q; }
    set search(v) {
      const st = urlOf(this), r = st.r, s = setterInput(v);
      r.q = s === "" ? null : encode(s[0] === "?" ? s.slice(1) : s, isSpecial(r.s) ? SPECIAL_QUERY_SET : QUERY_SET);
      queryChanged(st);
    }
    get searchParams() {
      const st = urlOf(this);
      return st.sp ??= uspMake(st.r.q ?? "", (q) => { st.r.q = q === "" ? null : q; });
    }
    get hash() { const f = urlOf(this).r.f; return f === null || f === "" ? "" : "#" + f; }
    set hash(v) { const s = setterInput(v); urlOf(this).r.f = s === "" ? null : encode(s[0] === "#" ? s.slice(1) : s, FRAGMENT_SET); }
    toString() { return urlHref(urlOf(this).r); }
    toJSON() { return urlHref(urlOf(this).r); }
  }

  // ---- URLSearchParams (application/x-www-form-urlencoded) ----
  const formDecode = (s) => pctDecode(s.indexOf("+") < 0 ? s : s.replaceAll("+", " "));
  const formEncode = (s) => { // encodeURIComponent leaves !'()~ alone, application/x-www-form-urlencoded does not
    const e = encodeComponent(usv(s)).replaceAll("%20", "+");
    return e.replaceAll("!", "%21").replaceAll("'", "%27").replaceAll("(", "%28").replaceAll(")", "%29").replaceAll("~", "%7E");
  };
  const formParse = (s, l) => {
    if (s === "") return;
    for (const part of s.split("&")) {
      if (part === "") continue;
      const i = part.indexOf("=");
      l.push(formDecode(i < 0 ? part : part.slice(0, i)), formDecode(i < 0 ? "" : part.slice(i + 1)));
    }
  };
  const formSerialize = (l) => {
    let out = "";
    for (let i = 0; i < l.length; i += 2) out += (i === 0 ? "" : "&") + formEncode(l[i]) + "=" + formEncode(l[i + 1]);
    return out;
  };
  const usvString = (v) => usv(toStr(v));
  const PARAMS = stateMap();
  const paramsOf = (p) => thisState(PARAMS, p, "URLSearchParams"); // { l: flat list, update: fn | null }
  const paramsChanged = (st) => { if (st.update !== null) st.update(formSerialize(st.l)); };
  const uspBrand = (v) => stateOf(PARAMS, v) !== undefined;
  const uspSerialize = (v) => formSerialize(stateOf(PARAMS, v).l);
  class URLSearchParams {
    constructor(init) {
      const l = [];
      setState(PARAMS, this, { l, update: null });
      if (init === undefined) return;
      if (isObject(init)) {
        if (typeof init[ITERATOR] === "function") {
          for (const pair of init) { const a = pairOf(pair, "URLSearchParams init"); l.push(usvString(a[0]), usvString(a[1])); }
        } else {
          for (const k of ownKeys(init)) {
            const d = gopd(init, k);
            if (typeof k === "string" && d !== undefined && d.enumerable) l.push(usv(k), usvString(init[k]));
          }
        }
        return;
      }
      const s = usvString(init);
      formParse(s[0] === "?" ? s.slice(1) : s, l);
    }
    get size() { return paramsOf(this).l.length / 2; }
    append(name, value) { const st = paramsOf(this); st.l.push(usvString(name), usvString(value)); paramsChanged(st); }
    delete(name, value) {
      const st = paramsOf(this), l = st.l, n = usvString(name), v = value === undefined ? undefined : usvString(value);
      let j = 0;
      for (let i = 0; i < l.length; i += 2) if (!(l[i] === n && (v === undefined || l[i + 1] === v))) { l[j++] = l[i]; l[j++] = l[i + 1]; }
      l.length = j;
      paramsChanged(st);
    }
    get(name) {
      const l = paramsOf(this).l, n = usvString(name);
      for (let i = 0; i < l.length; i += 2) if (l[i] === n) return l[i + 1];
      return null;
    }
    getAll(name) {
      const l = paramsOf(this).l, n = usvString(name), out = [];
      for (let i = 0; i < l.length; i += 2) if (l[i] === n) out.push(l[i + 1]);
      return out;
    }
    has(name, value) {
      const l = paramsOf(this).l, n = usvString(name), v = value === undefined ? undefined : usvString(value);
      for (let i = 0; i < l.length; i += 2) if (l[i] === n && (v === undefined || l[i + 1] === v)) return true;
      return false;
    }
    set(name, value) {
      const st = paramsOf(this), n = usvString(name), v = usvString(value);
      if (!listRemove(st.l, n, v)) st.l.push(n, v);
      paramsChanged(st);
    }
    sort() {
      const st = paramsOf(this), l = st.l, pairs = [];
      for (let i = 0; i < l.length; i += 2) pairs.push([l[i], l[i + 1]]);
      pairs.sort((a, b) => a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0); // code-unit order, stable
      for (let i = 0; i < pairs.length; i++) { l[2 * i] = pairs[i][0]; l[2 * i + 1] = pairs[i][1]; }
      paramsChanged(st);
    }
    forEach(callback, thisArg) {
      const l = paramsOf(this).l;
      for (let i = 0; i < l.length; i += 2) apply(callback, thisArg, [l[i + 1], l[i], this]);
    }
    entries() { const l = paramsOf(this).l, out = []; for (let i = 0; i < l.length; i += 2) out.push([l[i], l[i + 1]]); return out.values(); }
    keys() { const l = paramsOf(this).l, out = []; for (let i = 0; i < l.length; i += 2) out.push(l[i]); return out.values(); }
    values() { const l = paramsOf(this).l, out = []; for (let i = 0; i < l.length; i += 2) out.push(l[i + 1]); return out.values(); }
    [ITERATOR]() { return this.entries(); }
    toString() { return formSerialize(paramsOf(this).l); }
  }
  const uspMake = (query, update) => { const p = new URLSearchParams(), st = stateOf(PARAMS, p); formParse(query, st.l); st.update = update; return p; };
  const uspReset = (p, query) => { const l = stateOf(PARAMS, p).l; l.length = 0; formParse(query, l); };
  return { URL, URLSearchParams, parse: urlParse, href: urlHref, origin: urlOrigin, record: urlRecord,
    invalid: invalidUrl, isParams: uspBrand, serializeParams: uspSerialize };
}

// ---- console: one formatted string per call to the host's log(level, message) ----
let hostLog = null;
const pendingLogs = newList(); // console calls made while the module loads, before dispatch gives us log
const emit = (level, message) => {
  if (hostLog !== null) hostLog(level, message);
  else if (pendingLogs.length < 200) push2(pendingLogs, level, message);
};
const quote = (s) => { // like Node: single quotes unless the string holds one
  const body = jsonStringify(s).slice(1, -1).replaceAll("\\\"", "\"");
  if (body.indexOf("'") < 0) return "'" + body + "'";
  if (body.indexOf("\"") < 0) return "\"" + body + "\"";
  return body.indexOf("`") < 0 ? "`" + body + "`" : "'" + body.replaceAll("'", "\\'") + "'";
};
const isIdentifier = (k) => {
  for (let i = 0; i < k.length; i++) {
    const c = k.charCodeAt(i);
    if (!(c >= 97 && c <= 122 || c >= 65 && c <= 90 || c === 95 || c === 36 || i > 0 && c >= 48 && c <= 57)) return false;
  }
  return k.length > 0;
};
const keyName = (k) => typeof k === "symbol" ? "[" + Str(k) + "]" : isIdentifier(k) ? k : quote(k);
const ownData = (o, k) => { const d = gopd(o, k); return d !== undefined && "value" in d ? d.value : undefined; };
const className = (v) => {
  const proto = getPrototypeOf(v);
  if (proto === null) return "[Object: null prototype]";
  const c = ownData(proto, "constructor"), n = typeof c === "function" ? ownData(c, "name") : undefined;
  return typeof n === "string" ? n : "";
};
const braces = (prefix, items, open = "{", close = "}") =>
  (prefix ? prefix + " " : "") + (items.length === 0 ? open + close : open + " " + items.join(", ") + " " + close);
const MAX_ITEMS = 100;
const inspect = (v, depth = 0, seen = []) => {
  switch (typeof v) {
    case "string": return quote(v);
    case "number": return objectIs(v, -0) ? "-0" : "" + v;
    case "bigint": return v + "n";
    case "boolean": case "undefined": return "" + v;
    case "symbol": return Str(v);
  }
  if (v === null) return "null";
  try { return inspectObject(v, depth, seen); } catch { return "[Uninspectable]"; }
};
const inspectObject = (v, depth, seen) => {
  for (let i = 0; i < seen.length; i++) if (seen[i] === v) return "[Circular]";
  if (typeof v === "function") {
    const n = ownData(v, "name"), isClass = /^class[\s{]/.test(Function.prototype.toString.call(v));
    return "[" + (isClass ? "class " : "Function") + (n ? (isClass ? n : ": " + n) : isClass ? "(anonymous)" : " (anonymous)") + "]";
  }
  if (v instanceof Err) {
    const stack = v.stack;
    if (depth === 0 && typeof stack === "string") return stack + (v.cause !== undefined ? "\n  [cause]: " + inspect(v.cause, depth + 1, [...seen, v]) : "");
    return "[" + (v.name || "Error") + (v.message ? ": " + v.message : "") + "]";
  }
  const name = className(v);
  if (depth > 2) return "[" + (isArray(v) ? "Array" : name || "Object") + "]";
  seen = [...seen, v];
  const item = (x) => inspect(x, depth + 1, seen);
  if (isArray(v)) {
    const items = [];
    const n = v.length < MAX_ITEMS ? v.length : MAX_ITEMS;
    for (let i = 0; i < n; i++) {
      if (i in v) { items.push(item(v[i])); continue; }
      let holes = 1;
      while (i + 1 < n && !(i + 1 in v)) { holes++; i++; }
      items.push(`<${holes} empty item${holes > 1 ? "s" : ""}>`);
    }
    if (v.length > n) items.push(`... ${v.length - n} more items`);
    return braces(name === "Array" ? "" : name, items, "[", "]");
  }
  if (isHeaders(v)) {
    const pairs = listSorted(headersList(v)), items = [];
    for (let i = 0; i < pairs.length; i++) items[i] = keyName(pairs[i][0]) + ": " + quote(pairs[i][1]);
    return braces("Headers", items);
  }
  const rq = requestState(v);
  if (rq !== undefined) return braces("Request", [`method: ${quote(rq.method)}`, `url: ${quote(rq.url)}`, `headers: ${item(rq.headers)}`, `bodyUsed: ${rq.used}`]);
  const rs = responseState(v);
  if (rs !== undefined) return braces("Response", [`status: ${rs.status}`, `statusText: ${quote(rs.statusText)}`, `headers: ${item(rs.headers)}`, `bodyUsed: ${rs.used}`]);
  if (urlLib !== null) {
    const ur = urlLib.record(v);
    if (ur !== undefined) return braces("URL", [`href: ${quote(urlLib.href(ur))}`, `origin: ${quote(urlLib.origin(ur))}`]);
    if (urlLib.isParams(v)) return braces("URLSearchParams", [...v].map((p) => quote(p[0]) + " => " + quote(p[1])));
  }
  if (v instanceof Date) return isNaN(v.getTime()) ? "Invalid Date" : v.toISOString();
  if (v instanceof RegExp) return "" + v;
  if (v instanceof Map) return braces(`Map(${v.size})`, [...v].slice(0, MAX_ITEMS).map((e) => item(e[0]) + " => " + item(e[1])));
  if (v instanceof Set) return braces(`Set(${v.size})`, [...v].slice(0, MAX_ITEMS).map(item));
  if (v instanceof WeakMap || v instanceof WeakSet) return name + " { <items unknown> }";
  if (v instanceof P) return "Promise { <state unknown> }";
  if (isArrayBuffer(v)) {
    const u = new U8(v, 0, Math.min(apply(abLength, v, []), 50));
    return `ArrayBuffer { [Uint8Contents]: <${[...u].map((b) => (b < 16 ? "0" : "") + b.toString(16)).join(" ")}${apply(abLength, v, []) > 50 ? " ..." : ""}>, byteLength: ${apply(abLength, v, [])} }`;
  }
  if (isView(v)) {
    const tag = apply(taTag, v, []);
    if (tag === undefined) return `DataView { byteLength: ${apply(dvLength, v, [])}, byteOffset: ${apply(dvOffset, v, [])} }`;
    const items = [];
    for (let i = 0; i < v.length && i < MAX_ITEMS; i++) items.push(inspect(v[i]));
    if (v.length > MAX_ITEMS) items.push(`... ${v.length - MAX_ITEMS} more items`);
    return braces(`${tag}(${v.length})`, items, "[", "]");
  }
  const items = [];
  const keys = ownKeys(v);
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i], d = gopd(v, k);
    if (d === undefined || !d.enumerable) continue;
    if (items.length === MAX_ITEMS) { items.push("..."); break; }
    items.push(keyName(k) + ": " + ("value" in d ? item(d.value) : d.get && d.set ? "[Getter/Setter]" : d.get ? "[Getter]" : "[Setter]"));
  }
  return braces(name === "Object" ? "" : name, items);
};
const formatOne = (v) => typeof v === "string" ? v : inspect(v);
const FORMAT_RE = /%[sdifjoOc%]/g;
const format = (args) => {
  let out = "", i = 0;
  const first = args[0];
  if (typeof first === "string") {
    i = 1;
    out = args.length < 2 || first.indexOf("%") < 0 ? first : first.replace(FORMAT_RE, (m) => {
      if (m === "%%") return "%";
      if (i >= args.length) return m;
      const a = args[i++];
      switch (m) {
        case "%s": return typeof a === "bigint" ? a + "n" : typeof a === "symbol" ? Str(a) : isObject(a) ? inspect(a, 1) : formatOne(a);
        case "%d": return typeof a === "bigint" ? a + "n" : typeof a === "symbol" || isObject(a) ? "NaN" : "" + Number(a);
        case "%i": return typeof a === "bigint" ? a + "n" : typeof a === "symbol" || isObject(a) ? "NaN" : "" + parseInt(a);
        case "%f": return typeof a === "symbol" ? "NaN" : "" + parseFloat(a);
        case "%j": try { return "" + jsonStringify(a); } catch { return "[Circular]"; }
        case "%c": return "";
        default: return inspect(a);
      }
    });
  }
  for (; i < args.length; i++) out += (i === 0 ? "" : " ") + formatOne(args[i]);
  return out;
};
let groupIndent = "";
const log = (level, args) => {
  let message;
  try { message = format(args); } catch { message = "[console: the arguments could not be formatted]"; }
  if (groupIndent !== "") message = groupIndent + message.split("\n").join("\n" + groupIndent);
  emit(level, message);
};
const counts = new Map(), timers = new Map();
const console = {
  log: (...args) => log("info", args),
  info: (...args) => log("info", args),
  warn: (...args) => log("warn", args),
  error: (...args) => log("error", args),
  debug: (...args) => log("debug", args),
  trace: (...args) => {
    const stack = new Err().stack || "";
    const frames = stack.split("\n").slice(2).join("\n"); // drop the message line and console.trace's own frame
    log("debug", ["Trace" + (args.length ? ": " + format(args) : "") + (frames ? "\n" + frames : "")]);
  },
  dir: (value) => log("info", [inspect(value)]),
  table: (...args) => log("info", args),
  assert: (condition, ...args) => { if (!condition) log("error", ["Assertion failed" + (args.length ? ": " + format(args) : "")]); },
  count: (label = "default") => { const n = (counts.get("" + label) || 0) + 1; counts.set("" + label, n); log("info", [`${label}: ${n}`]); },
  countReset: (label = "default") => { counts.delete("" + label); },
  time: (label = "default") => { timers.set("" + label, dateNow()); },
  timeLog: (label = "default", ...args) => {
    const t = timers.get("" + label);
    log(t === undefined ? "warn" : "info", [t === undefined ? `No such label '${label}' for console.timeLog()` : `${label}: ${dateNow() - t}ms`, ...args]);
  },
  timeEnd: (label = "default") => { console.timeLog(label); timers.delete("" + label); },
  group: (...args) => { if (args.length) log("info", args); groupIndent += "  "; },
  groupCollapsed: (...args) => { if (args.length) log("info", args); groupIndent += "  "; },
  groupEnd: () => { groupIndent = groupIndent.slice(2); },
};

// ---- DOMException, atob/btoa, structuredClone, queueMicrotask ----
let DOMExceptionClass = null;
function domException() {
  if (DOMExceptionClass !== null) return DOMExceptionClass;
  const codes = { IndexSizeError: 1, HierarchyRequestError: 3, WrongDocumentError: 4, InvalidCharacterError: 5,
    NoModificationAllowedError: 7, NotFoundError: 8, NotSupportedError: 9, InvalidStateError: 11, SyntaxError: 12,
    InvalidModificationError: 13, NamespaceError: 14, InvalidAccessError: 15, TypeMismatchError: 17, SecurityError: 18,
    NetworkError: 19, AbortError: 20, URLMismatchError: 21, QuotaExceededError: 22, TimeoutError: 23,
    InvalidNodeTypeError: 24, DataCloneError: 25 };
  return DOMExceptionClass = class DOMException extends Err {
    constructor(message = "", name = "Error") {
      super(toStr(message));
      defineProperty(this, "name", { value: toStr(name), writable: true, configurable: true });
    }
    get code() { const c = codes[this.name]; return typeof c === "number" ? c : 0; }
  };
}
const newDomException = (message, name) => { const D = domException(); return new D(message, name); };
const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const invalidChar = (what) => newDomException(what, "InvalidCharacterError");
const btoa = function btoa(data) {
  if (arguments.length === 0) throw new TypeErr("btoa requires 1 argument");
  const s = toStr(data), n = s.length;
  if (/[^\0-\u00ff]/.test(s)) throw invalidChar("btoa: the string contains characters outside of the Latin1 range");
  let out = "";
  for (let i = 0; i < n; i += 3) {
    const a = s.charCodeAt(i), b = i + 1 < n ? s.charCodeAt(i + 1) : 0, c = i + 2 < n ? s.charCodeAt(i + 2) : 0;
    const v = (a << 16) | (b << 8) | c;
    out += B64[v >> 18] + B64[(v >> 12) & 63] + (i + 1 < n ? B64[(v >> 6) & 63] : "=") + (i + 2 < n ? B64[v & 63] : "=");
  }
  return out;
};
const atob = function atob(data) {
  if (arguments.length === 0) throw new TypeErr("atob requires 1 argument");
  let s = toStr(data).replace(/[\t\n\f\r ]/g, "");
  if (s.length % 4 === 0) s = s.replace(/==?$/, "");
  if (s.length % 4 === 1 || /[^A-Za-z0-9+/]/.test(s)) throw invalidChar("atob: the string to be decoded is not correctly encoded");
  let out = "", bits = 0, acc = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    acc = (acc << 6) | (c >= 97 ? c - 71 : c >= 65 ? c - 65 : c >= 48 ? c + 4 : c === 43 ? 62 : 63);
    bits += 6;
    if (bits >= 8) { bits -= 8; out += fromCharCode((acc >> bits) & 255); }
  }
  return out;
};
// The HTML structured clone algorithm for the values a handler can have: primitives, plain
// objects and arrays, Date, RegExp, Map, Set, ArrayBuffer and views, Error; cycles preserved.
const structuredClone = function structuredClone(value) {
  if (arguments.length === 0) throw new TypeErr("structuredClone requires 1 argument");
  const seen = new Map();
  const fail = (what) => newDomException(`${what} could not be cloned`, "DataCloneError");
  const clone = (v) => {
    if (typeof v === "symbol") throw fail("Symbol()");
    if (typeof v === "function") throw fail("A function");
    if (!isObject(v)) return v;
    if (seen.has(v)) return seen.get(v);
    let out;
    const keep = (o) => { seen.set(v, o); return o; };
    if (isArray(v)) { out = keep([]); for (let i = 0; i < v.length; i++) out[i] = clone(v[i]); return out; }
    if (v instanceof Date) return keep(new Date(v.getTime()));
    if (v instanceof RegExp) return keep(new RegExp(v.source, v.flags));
    if (isArrayBuffer(v)) return keep(apply(taBuffer, copyBytes(v, 0, apply(abLength, v, [])), []));
    if (isView(v)) {
      const tag = apply(taTag, v, []);
      if (tag === undefined) return keep(new DataView(clone(apply(dvBuffer, v, [])), apply(dvOffset, v, []), apply(dvLength, v, [])));
      return keep(new G[tag](clone(apply(taBuffer, v, [])), apply(taOffset, v, []), v.length));
    }
    if (v instanceof Map) { out = keep(new Map()); for (const [k, x] of v) out.set(clone(k), clone(x)); return out; }
    if (v instanceof Set) { out = keep(new Set()); for (const x of v) out.add(clone(x)); return out; }
    if (v instanceof Err) {
      const types = { EvalError, RangeError, ReferenceError, SyntaxError, TypeError, URIError };
      const C = Object.hasOwn(types, v.name) ? types[v.name] : Err;
      out = keep(new C(v.message));
      if (typeof v.stack === "string") defineProperty(out, "stack", { value: v.stack, writable: true, configurable: true });
      return out;
    }
    if (v instanceof P || v instanceof WeakMap || v instanceof WeakSet || isHeaders(v) || requestState(v) !== undefined
        || responseState(v) !== undefined || (urlLib !== null && (urlLib.record(v) !== undefined || urlLib.isParams(v)))) throw fail(`${className(v) || "The object"}`);
    out = keep({});
    for (const k of ownKeys(v)) {
      const d = gopd(v, k);
      if (typeof k === "string" && d !== undefined && d.enumerable) {
        defineProperty(out, k, { value: clone(v[k]), writable: true, enumerable: true, configurable: true });
      }
    }
    return out;
  };
  return clone(value);
};
const resolved = P.resolve();
const reportError = (e) => emit("error", "Uncaught " + (isObject(e) && typeof e.stack === "string" ? e.stack : inspect(e)));
const queueMicrotask = function queueMicrotask(callback) {
  if (typeof callback !== "function") throw new TypeErr("queueMicrotask: the callback must be a function");
  apply(promiseThen, resolved, [() => { try { callback(); } catch (e) { reportError(e); } }]);
};

// ---- globals ----
// Like built-ins: writable, configurable, not enumerable. URL, URLSearchParams and DOMException
// are built when first read (the accessor then replaces itself with a plain data property).
const defineGlobal = (name, value) => { defineProperty(G, name, { value, writable: true, configurable: true, enumerable: false }); };
const lazyGlobal = (name, make) => {
  defineProperty(G, name, { get() { const v = make(); defineGlobal(name, v); return v; },
    set(v) { defineGlobal(name, v); }, configurable: true, enumerable: false });
};
defineGlobal("Headers", Headers);
defineGlobal("Request", Request);
defineGlobal("Response", Response);
defineGlobal("console", console);
defineGlobal("atob", atob);
defineGlobal("btoa", btoa);
defineGlobal("structuredClone", structuredClone);
defineGlobal("queueMicrotask", queueMicrotask);
lazyGlobal("URL", () => urls().URL);
lazyGlobal("URLSearchParams", () => urls().URLSearchParams);
lazyGlobal("DOMException", domException);

// ---- capabilities: env bindings and the global fetch ----
// Everything a handler reaches of the host goes through one host function, cap(op, ...), given to
// start(). It never throws into JavaScript, where a handler could catch what the host meant to end
// the call with. It answers with a tagged string: "o" + payload, "n" (no value), "d" + message
// (denied; the host has already logged and remembered the denial) or "e" + message (a failure the
// handler may handle). A failure that must end the call (a limit) never comes back: the host cancels
// the context. Bytes cross as ArrayBuffers: the host reads the runtime's buffers, and for results it
// calls a sink with a length and fills the fresh buffer the sink returns.
let cap = null;
const unpack = (s) => { // the host's list encoding: each item is its length in characters, NUL, the item
  const out = newList(), n = s.length;
  let i = 0;
  while (i < n) {
    const j = apply(stringIndexOf, s, ["\0", i]);
    if (j < 0) break;
    const end = j + 1 + +apply(stringSlice, s, [i, j]);
    push1(out, apply(stringSlice, s, [j + 1, end]));
    i = end;
  }
  return out;
};
// The host's flat lists ("a\0b\0"), split without String.prototype.split, which looks up a
// Symbol.split method a handler could define.
const splitNul = (s) => {
  const out = newList(), n = s.length;
  let i = 0;
  while (i <= n) {
    let j = apply(stringIndexOf, s, ["\0", i]);
    if (j < 0) j = n;
    push1(out, apply(stringSlice, s, [i, j]));
    i = j + 1;
  }
  return out;
};
const deniedError = (message) => {
  const e = new Err(message);
  defineProperty(e, "name", { value: "CapabilityDeniedError", writable: true, configurable: true });
  return e;
};
const answer = (r, Failure) => { // a host answer: its payload, null for "n", or the error it stands for
  const tag = typeof r === "string" ? apply(stringSlice, r, [0, 1]) : "";
  if (tag === "o") return apply(stringSlice, r, [1]);
  if (tag === "n") return null;
  if (tag === "d") throw deniedError(apply(stringSlice, r, [1]));
  if (tag === "e") throw new Failure(apply(stringSlice, r, [1]));
  throw new Err("the call was stopped by the host");
};

// Workers KV's shape, on the route's key-value stores (delete answers undefined, as there).
// put takes Workers KV's expiry options: expirationTtl (seconds from now) or expiration (epoch
// seconds). Departures: no 60-second minimum (Isola has no edge cache to keep stale values in),
// only at least 1 second and at most 100 years; values carry no metadata (put's metadata is
// ignored, getWithMetadata answers metadata: null); and list has no cursor: it answers at most 1000
// keys, list_complete is false when more may follow, and prefix narrows it.
// Isola adds two atomic operations, for handlers on several nodes sharing a store: increment(key,
// delta = 1) adds to the integer stored as decimal text (absent = 0) and answers the sum;
// compareAndSet(key, expected, value) stores value (null deletes) only if the value is expected
// (null: absent), answering whether it did. Both count as writes against the store's quota.
const KV_MAX_LIST = 1000;
const KV_MAX_TTL = 36500 * 86400;
const kvSeconds = (name, v, min, max, what) => {
  if (typeof v !== "number") throw new TypeErr(`put option ${name} must be a number of ${what}, got ${describe(v)}`);
  if (!(v >= min && v <= max)) {
    throw new RangeErr(`put option ${name} must be from ${min} to ${max} (${what}), got ${toStr(v)}`);
  }
  return v;
};
// The expiry put() asks the host for: [] for none, ["ttl", seconds] or ["at", epoch seconds].
const kvExpiry = (options) => {
  if (options === undefined || options === null) return [];
  if (!isObject(options)) throw new TypeErr("put options must be an object: { expirationTtl } or { expiration }");
  const ttl = options.expirationTtl, at = options.expiration;
  const hasTtl = ttl !== undefined && ttl !== null, hasAt = at !== undefined && at !== null;
  if (hasTtl && hasAt) {
    throw new TypeErr("put options: pass expirationTtl (seconds from now) or expiration (epoch seconds), not both");
  }
  if (hasTtl) return ["ttl", kvSeconds("expirationTtl", ttl, 1, KV_MAX_TTL, "seconds from now, 1 second to 100 years")];
  if (hasAt) return ["at", kvSeconds("expiration", at, 1, 1e11, "seconds since 1970-01-01T00:00:00Z, in the future")];
  return [];
};
const kvType = (options) => {
  const t = typeof options === "string" ? options : isObject(options) ? options.type : undefined;
  if (t === undefined || t === null) return "text";
  const type = toStr(t);
  if (type === "text" || type === "json" || type === "arrayBuffer") return type;
  throw new TypeErr(`Unsupported type "${type}": use "text", "json" or "arrayBuffer"`);
};
const kvValue = (v) => { // the bytes put() stores, as an ArrayBuffer for the host to read
  if (typeof v === "string") return exactBuffer(utf8(v));
  if (isObject(v)) {
    if (isArrayBuffer(v)) return v;
    if (isView(v)) return apply(taBuffer, viewBytes(v), []);
  }
  throw new TypeErr(`Unsupported key-value value: ${describe(v)}. Use a string, ArrayBuffer, TypedArray or DataView (JSON.stringify(value) for JSON)`);
};
// What a host read answers, as the type asked for: null, an ArrayBuffer, UTF-8 text or parsed JSON.
// For text and JSON the host answers "t" + the text itself when the bytes are valid UTF-8 without a
// BOM (what TextDecoder would give), sparing the buffer, its filling and the decoding here.
// The host fills one buffer at a time (reads are synchronous), so one sink serves every read.
let sunk = null;
const sink = (n) => (sunk = new AB(n));
const readAs = (op, a, b, type) => { // cap(op, a, b, sink, asText), or cap(op, a, sink, asText) when b is undefined
  sunk = null;
  const asText = type !== "arrayBuffer";
  const r = b === undefined ? cap(op, a, sink, asText) : cap(op, a, b, sink, asText);
  if (typeof r === "string" && apply(stringSlice, r, [0, 1]) === "t") {
    const text = apply(stringSlice, r, [1]);
    return type === "json" ? jsonParse(text) : text;
  }
  const buffer = sunk;
  sunk = null;
  if (answer(r, Err) === null) return null;
  if (type === "arrayBuffer") return buffer;
  const text = fromUtf8(new U8(buffer));
  return type === "json" ? jsonParse(text) : text;
};
const kvNamespace = (store) => {
  const read = (key, options) => { const type = kvType(options); return readAs("get", store, toStr(key), type); };
  return freeze({
    // Plain functions answering settled promises, as async ones would: cheaper per call in GraalJS.
    get(key, options) { try { return resolveWith(read(key, options)); } catch (e) { return rejectWith(e); } },
    getWithMetadata(key, options) {
      try { return resolveWith({ value: read(key, options), metadata: null }); } catch (e) { return rejectWith(e); }
    },
    async put(key, value, options) {
      const k = toStr(key), bytes = kvValue(value), expiry = kvExpiry(options);
      answer(expiry.length === 0 ? cap("put", store, k, bytes) : cap("put", store, k, bytes, expiry[0], expiry[1]), Err);
    },
    async delete(key) { answer(cap("delete", store, toStr(key)), Err); },
    async increment(key, delta) {
      const k = toStr(key);
      if (delta !== undefined && (typeof delta !== "number" || delta % 1 !== 0 || !(delta <= MAX_SAFE && delta >= -MAX_SAFE))) {
        throw new (typeof delta === "number" ? RangeErr : TypeErr)(
          `increment delta must be a safe integer (at most ${MAX_SAFE} either way), got ${describe(delta)}`);
      }
      const text = answer(cap("increment", store, k, delta === undefined ? "1" : "" + delta), Err);
      const n = +text;
      if (!(n <= MAX_SAFE && n >= -MAX_SAFE)) {
        throw new RangeErr(`increment stored ${text} under key ${inspect(k)}, beyond the safe integers of JavaScript`
          + ` (at most ${MAX_SAFE} either way): read it with get() as text, or keep counters smaller`);
      }
      return n;
    },
    async compareAndSet(key, expected, value) {
      const k = toStr(key);
      if (expected === undefined || value === undefined) {
        throw new TypeErr(`compareAndSet(key, expected, value) needs all three: pass null as expected for "only if absent"`
          + " and null as value to delete");
      }
      const e = expected === null ? null : kvValue(expected), v = value === null ? null : kvValue(value);
      return answer(cap("compareAndSet", store, k, e, v), Err) === "1";
    },
    async list(options) {
      let prefix = "", limit = KV_MAX_LIST;
      if (options !== undefined && options !== null) {
        if (!isObject(options)) throw new TypeErr("list options must be an object: { prefix, limit }");
        const p = options.prefix, l = options.limit, c = options.cursor;
        if (p !== undefined && p !== null) prefix = toStr(p);
        if (l !== undefined && l !== null) {
          limit = +l;
          if (!(limit >= 1)) throw new RangeErr(`list limit must be from 1 to ${KV_MAX_LIST}, got ${toStr(l)}`);
          limit = limit > KV_MAX_LIST ? KV_MAX_LIST : limit - limit % 1;
        }
        if (c !== undefined && c !== null && c !== "") {
          throw new TypeErr("list cursors are not supported by Isola: narrow the listing with prefix instead");
        }
      }
      const names = unpack(answer(cap("list", store, prefix, limit < KV_MAX_LIST ? limit + 1 : KV_MAX_LIST), Err));
      const n = names.length > limit ? limit : names.length, keys = newList();
      for (let i = 0; i < n; i++) push1(keys, { name: names[i] });
      return { keys: handlerArray(keys), list_complete: names.length <= limit && names.length < KV_MAX_LIST, cacheStatus: null };
    },
  });
};
const namedValues = (pairs) => {
  const o = {};
  for (let i = 0; i + 1 < pairs.length; i += 2) defineProperty(o, pairs[i], { value: pairs[i + 1], enumerable: true });
  return freeze(o);
};
// For an audited call (the host's list starts with "\u0001"): each value is asked of the host when
// the handler first reads it (op "var" or "secret"), so the audit sees which ones it reads.
const auditedValues = (names, op) => {
  const o = {};
  for (let i = 0; i + 1 < names.length; i += 2) {
    const name = names[i];
    let value = null;
    defineProperty(o, name, { get() { value ??= answer(cap(op, name), Err); return value; }, enumerable: true });
  }
  return freeze(o);
};
const AUDITED = "\u0001";
const valuesOf = (packed, op) => {
  if (packed === "") return null;
  if (apply(stringSlice, packed, [0, 1]) === AUDITED) return auditedValues(unpack(apply(stringSlice, packed, [1])), op);
  return namedValues(unpack(packed));
};
// Read-only files under the route's mounts: read(path, type) answers the file's content as text (the
// default), JSON or an ArrayBuffer, or null when there is no such file.
const files = freeze({
  async read(path, options) { const type = kvType(options); return readAs("file", toStr(path), undefined, type); },
});
// What env inherits: for each binding a capability could provide, a getter that asks the host to deny
// it, so env.KV on a route without a key-value grant is a CapabilityDeniedError (logged, counted, and
// a 403 if the call then fails, naming the manifest line to add) rather than a TypeError on
// undefined. A granted binding is an own property of env and hides its getter. Made once per
// context, before handler code runs; other names (env.SOMETHING) stay undefined.
const ENV_DENIED = (() => {
  const denied = (name) => function () { return answer(cap("env", name), Err); };
  const o = {};
  const names = ["KV", "kv", "vars", "secrets", "files"];
  for (let i = 0; i < names.length; i++) defineProperty(o, names[i], { get: denied(names[i]), enumerable: false });
  return freeze(o);
})();
const objectCreate = Object.create;
// ---- application capabilities (dev.isola.capability): env.NAME.op(...), derived from their
// operations' types. Each argument is checked here (a TypeError names it), the arguments travel as
// one JSON array (bytes as separate ArrayBuffers, in a list beside it) and the host checks them
// again; the result comes back as JSON ("o" + text; "o" alone for no result), null ("n") or bytes
// (filled into the sink's buffer). Every method answers a promise, as an async function would.
const EXT_WANTED = { S: "a string", B: "an ArrayBuffer, typed array or DataView", I: "a safe integer",
  N: "a finite number", Z: "a boolean", J: "a value JSON.stringify can write" };
const MAX_SAFE = 9007199254740991;
const extArg = (where, i, code, v, buffers) => {
  if (code === "S" && typeof v === "string") return jsonStringify(v);
  if (code === "I" && typeof v === "number" && v % 1 === 0 && v <= MAX_SAFE && v >= -MAX_SAFE) return "" + v;
  if (code === "N" && typeof v === "number" && v === v && v !== 1 / 0 && v !== -1 / 0) return "" + v;
  if (code === "Z" && typeof v === "boolean") return v ? "true" : "false";
  if (code === "B" && isObject(v) && (isArrayBuffer(v) || isView(v))) {
    push1(buffers, isArrayBuffer(v) ? v : apply(taBuffer, viewBytes(v), []));
    return "null";
  }
  if (code === "J") {
    let s;
    try { s = jsonStringify(v); } catch (e) { throw new TypeErr(`${where}: argument ${i + 1} cannot be written as JSON: ${describe(e)}`); }
    if (typeof s === "string") return s;
  }
  throw new TypeErr(`${where}: argument ${i + 1} must be ${EXT_WANTED[code]}, got ${describe(v)}`);
};
const extMethod = (name, op, params, result) => {
  const where = name + "." + op, n = params.length;
  return function (...args) {
    try {
      if (args.length < n) throw new TypeErr(`${where} takes ${n} argument${n === 1 ? "" : "s"}, got ${args.length}`);
      const buffers = newList();
      let json = "[";
      for (let i = 0; i < n; i++) json += (i === 0 ? "" : ",") + extArg(where, i, params[i], args[i], buffers);
      sunk = null;
      const r = cap("invoke", name, op, sink, json + "]", buffers);
      const buffer = sunk;
      sunk = null;
      const v = answer(r, Err);
      if (v === null) return resolveWith(null);
      if (result === "V") return resolveWith(undefined);
      return resolveWith(result === "B" ? buffer : jsonParse(v));
    } catch (e) { return rejectWith(e); }
  };
};
// One capability's binding: desc is "op\0params\0result\0..." (params as type letters).
const extBinding = (name, desc) => {
  const o = {}, d = splitNul(desc);
  for (let i = 0; i + 2 < d.length; i += 3) {
    defineProperty(o, d[i], { value: extMethod(name, d[i], d[i + 1], d[i + 2]), enumerable: true });
  }
  return freeze(o);
};
// What env inherits once start() knows the application capabilities of the Isola: ENV_DENIED, and a
// denying getter for each of those names, so env.billing on a route not granted it is a
// CapabilityDeniedError naming the grant.
let envProto = ENV_DENIED;
const extDenials = (names) => {
  if (names.length === 0) return ENV_DENIED;
  const o = objectCreate(ENV_DENIED);
  for (let i = 0; i < names.length; i++) {
    const name = names[i];
    defineProperty(o, name, { get() { return answer(cap("env", name), Err); }, enumerable: false });
  }
  return freeze(o);
};
// A new env per call with only what the route was granted: KV (its first store) and kv.<name> for
// every store, vars, secrets (the readable ones only), files, and each application capability.
const makeEnv = (stores, vars, secrets, hasFiles, exts) => {
  const env = objectCreate(envProto), names = unpack(stores), v = valuesOf(vars, "var"), s = valuesOf(secrets, "secret");
  if (exts !== "") {
    const e = unpack(exts);
    for (let i = 0; i + 1 < e.length; i += 2) {
      defineProperty(env, e[i], { value: e[i + 1] === "" ? componentBinding(e[i]) : extBinding(e[i], e[i + 1]), enumerable: true });
    }
  }
  if (names.length > 0) {
    const kv = {};
    let first = null;
    for (let i = 0; i < names.length; i++) {
      const ns = kvNamespace(names[i]);
      first ??= ns;
      defineProperty(kv, names[i], { value: ns, enumerable: true });
    }
    defineProperty(env, "KV", { value: first, enumerable: true });
    defineProperty(env, "kv", { value: freeze(kv), enumerable: true });
  }
  if (v !== null) defineProperty(env, "vars", { value: v, enumerable: true });
  if (s !== null) defineProperty(env, "secrets", { value: s, enumerable: true });
  if (hasFiles) defineProperty(env, "files", { value: files, enumerable: true });
  return freeze(env);
};

// fetch(input, init) as a Request would be built from them; it rejects with a TypeError when the
// request fails, and with a CapabilityDeniedError when the route may not reach the URL. Redirects
// are followed by the host, which checks every hop; the response is complete when the promise
// settles. Headers are sent as written; the host adds a granted secret's header itself, for the
// secret's origins only.
const outboundFetch = async function fetch(input, init) {
  const st = requestState(new Request(input, init));
  const flat = listFlat(headersList(st.headers));
  if (flat === null) throw new TypeErr("fetch: the request's headers were corrupted");
  const body = st.body === null ? null : exactBuffer(bodyBytes(st.body));
  let buffer = null;
  const r = unpack(answer(cap("fetch", st.method, st.url, flat, body, (n) => (buffer = new AB(n))), TypeErr));
  const redirected = r[1] === "1", l = newList(); // [status, redirected, final URL, name, value, ...]
  for (let i = 3; i + 1 < r.length; i += 2) push2(l, lower(r[i]), r[i + 1]);
  const b = buffer === null || apply(abLength, buffer, []) === 0 ? null : bytesBody(new U8(buffer));
  return new Response(TOKEN, { status: +r[0], statusText: "", headers: headersMake(l, IMMUTABLE), body: b,
    used: false, url: redirected ? r[2] : st.url, redirected });
};
// A component's binding: env.NAME.fetch(input, init), as the global fetch takes them (the URL's host
// does not matter: "http://inventory/items" and "/items" on a Request both reach the component's
// /items). The component runs in its own sandbox, here or on another node; its answer is a Response
// whatever its status, and a TypeError only when it cannot be reached.
const componentBinding = (name) => {
  const fetch = async function fetch(input, init) {
    if (typeof input === "string" && input.length > 0 && input[0] === "/") input = "http://" + name + ".internal" + input;
    const st = requestState(new Request(input, init));
    const flat = listFlat(headersList(st.headers));
    if (flat === null) throw new TypeErr(`env.${name}.fetch: the request's headers were corrupted`);
    const body = st.body === null ? null : exactBuffer(bodyBytes(st.body));
    let buffer = null;
    const r = unpack(answer(cap("component", name, st.method, st.url, flat, body, (n) => (buffer = new AB(n))), TypeErr));
    const l = newList(); // [status, redirected, final URL, name, value, ...]
    for (let i = 3; i + 1 < r.length; i += 2) push2(l, lower(r[i]), r[i + 1]);
    const b = buffer === null || apply(abLength, buffer, []) === 0 ? null : bytesBody(new U8(buffer));
    return new Response(TOKEN, { status: +r[0], statusText: "", headers: headersMake(l, IMMUTABLE), body: b,
      used: false, url: st.url, redirected: false });
  };
  return freeze({ fetch });
};
const loadingFetch = async function fetch() {
  throw new TypeErr("fetch cannot be called while the module is checked at build time: call it inside fetch(request, env, ctx)");
};

// ---- dispatch ----
const describe = (v) => { // a short, never-throwing description of a value for messages
  try {
    if (v === undefined || v === null) return "" + v;
    switch (typeof v) {
      case "string": return "a string (" + inspect(v.length > 60 ? v.slice(0, 60) + "..." : v) + ")";
      case "number": case "boolean": case "bigint": return `a ${typeof v} (${inspect(v)})`;
      case "symbol": return "a symbol";
      case "function": return "a function";
    }
    if (isArray(v)) return "an array";
    if (requestState(v) !== undefined) return "a Request";
    const s = inspect(v, 2);
    return "an object (" + (s.length > 80 ? s.slice(0, 80) + "..." : s) + ")";
  } catch { return "a value that cannot be described"; }
};
const safeGet = (o, k) => { try { return o[k]; } catch { return undefined; } };
let ownLocation = null; // "(<this script's name>:", to drop the runtime's own frames from guest stacks
const trimStack = (stack) => {
  ownLocation ??= /\((.*):\d+:\d+\)/.exec(new Err().stack.split("\n")[1] || "")?.[1] ?? "\0";
  return stack.split("\n").filter((line) => line.indexOf("(" + ownLocation + ":") < 0).join("\n");
};
const describeError = (e) => { // -> [message, stack]
  try {
    if (isObject(e)) {
      const message = safeGet(e, "message"), name = safeGet(e, "name"), stack = safeGet(e, "stack");
      const n = typeof name === "string" && name !== "" ? name : "Error";
      return [typeof message === "string" ? (message === "" ? n : n + ": " + message) : inspect(e),
        typeof stack === "string" ? trimStack(stack) : ""];
    }
    return [typeof e === "string" ? e : inspect(e), ""];
  } catch { return ["a thrown value that cannot be described", ""]; }
};
// The host's result for a Response: [status, headers, kind, body], or a string to fail with.
const responseResult = (v, max) => {
  const st = responseState(v);
  if (st === undefined) return `fetch returned ${describe(v)}, not a Response: return new Response(body, { status, headers })`;
  if (st.used) return "fetch returned a Response whose body was already read: return a new Response, or clone() it before reading the body";
  const flat = listFlat(headersList(st.headers)), status = st.status;
  if (flat === null) return "the Response's headers were corrupted";
  if (typeof status !== "number" || !(status >= 200 && status <= 599) || status % 1 !== 0) return "the Response's status was corrupted";
  const b = st.body;
  if (b === null) return [status, flat, "n", null];
  if (typeof b.t === "string") {
    const t = b.t, n = t.length;
    if (n > max) return [0, "", "too-large", n];
    if (n * 3 <= max) return [status, flat, "s", t];
    const u = utf8(t), bytes = u8Length(u);
    return bytes > max ? [0, "", "too-large", bytes] : [status, flat, "b", exactBuffer(u)];
  }
  const bytes = u8Length(b.b);
  return bytes > max ? [0, "", "too-large", bytes] : [status, flat, "b", exactBuffer(b.b)];
};
const noop = () => {};
// Accepted and ignored: the sandbox ends with the call. A rejection is swallowed, not reported twice.
function waitUntil(promise) { try { apply(promiseThen, promise, [undefined, noop]); } catch { /* not a promise */ } }
function passThroughOnException() {}
const NO_FETCH = "the module's default export has no fetch(request, env, ctx) method: write export default { async fetch(request, env, ctx) { ... } }";
const settle = (v, ok, err) => {
  if (isObject(v) && responseState(v) === undefined) {
    try { apply(promiseThen, v, [ok, err]); return; } catch { /* not a native promise: maybe a thenable */ }
    let then;
    try { then = v.then; } catch (e) { err(e); return; }
    if (typeof then === "function") {
      let once = false;
      try {
        apply(then, v, [(x) => { if (!once) { once = true; settle(x, ok, err); } }, (e) => { if (!once) { once = true; err(e); } }]);
      } catch (e) { if (!once) { once = true; err(e); } }
      return;
    }
  }
  ok(v);
};

function dispatch(module, method, url, headers, params, tail, route, requestId, stores, vars, secrets, hasFiles,
    exts, bodyTextFn, bodyBytesFn, logFn, maxResponseBytes, done, fail, now) {
  if (typeof now === "number" && now >= 0) fixedNow = now;
  hostLog = logFn;
  for (let i = 0; i < pendingLogs.length; i += 2) logFn(pendingLogs[i], pendingLogs[i + 1]);
  pendingLogs.length = 0;
  let finished = false;
  const onError = (e) => {
    if (finished) return;
    finished = true;
    const d = describeError(e); // a handler may have patched what formatting uses: send only strings
    fail(typeof d[0] === "string" ? d[0] : "a thrown value that cannot be described",
      typeof d[1] === "string" ? d[1] : "");
  };
  const onValue = (v) => {
    if (finished) return;
    let result;
    try { result = responseResult(v, maxResponseBytes); } catch (e) { onError(e); return; }
    finished = true;
    if (typeof result === "string") fail(result, ""); else done(result);
  };
  let handler, fetch, result;
  try {
    handler = module.default;
    fetch = isObject(handler) ? handler.fetch : undefined;
  } catch (e) { onError(e); return; }
  if (typeof fetch !== "function") { finished = true; fail(NO_FETCH, ""); return; }
  try {
    const list = newList(), h = splitNul(headers);
    for (let i = 0; i + 1 < h.length; i += 2) push2(list, lower(h[i]), h[i + 1]);
    const body = method === "GET" || method === "HEAD" ? null
      : { t: null, b: null, h: { text: bodyTextFn, bytes: bodyBytesFn, tc: null, bc: null } };
    const request = new Request(TOKEN, { method, url, headers: headersMake(list, IMMUTABLE), body, used: false });
    const p = {}, ps = splitNul(params);
    for (let i = 0; i + 1 < ps.length; i += 2) defineProperty(p, ps[i], { value: ps[i + 1], enumerable: true });
    const ctx = freeze({ params: freeze(p), tail, route, requestId, waitUntil, passThroughOnException });
    result = apply(fetch, handler, [request, makeEnv(stores, vars, secrets, hasFiles, exts), ctx]);
  } catch (e) { onError(e); return; }
  settle(result, onValue, onError);
}

// Builds and reads back a Request, env, ctx and two Responses the way a call does, so that a context
// built ahead of its call has done its realm's first-use work (object shapes, lazily built
// prototypes, the promise machinery) before the call instead of during it. No handler code has run
// yet, and nothing of this is kept.
const prime = () => {
  try {
    const list = list2("host", "localhost");
    const request = new Request(TOKEN, { method: "GET", url: "http://localhost/", headers: headersMake(list, IMMUTABLE), body: null, used: false });
    request.headers.get("host");
    freeze({ params: freeze({}), tail: "", route: "", requestId: "", waitUntil, passThroughOnException });
    makeEnv("", "", "", false, "");
    responseResult(new Response("primed", { status: 200, headers: { "content-type": "text/plain" } }), 1024);
    const json = Response.json({ primed: [1, "a", true] });
    settle(json, (v) => responseResult(v, 1024), noop);
  } catch { /* only an optimisation */ }
};

// The host calls start once per context, before the handler module loads: fetchMode is "granted"
// (the route may send HTTP requests), "none" (fetch exists too, and the host denies what it sends),
// or "loading" (the build-time check of a module, which cannot tell: fetch exists but rejects). primeRealm is true for a context built ahead of its call.
// fixedNow is a test's fixed clock: Date() and Date.now() read it (milliseconds; dispatch updates it
// to the time at the start of its call), other uses of Date are unchanged. Negative for the real time.
let fixedNow = -1;
return function start(capFn, fetchMode, now, primeRealm, extNames) {
  cap = capFn;
  if (typeof extNames === "string" && extNames !== "") envProto = extDenials(unpack(extNames));
  if (primeRealm === true) prime();
  if (typeof now === "number" && now >= 0) {
    fixedNow = now;
    const RealDate = Date;
    const FixedDate = function Date(...args) {
      if (new.target === undefined) return apply(RealDate.prototype.toString, construct(RealDate, [fixedNow]), []);
      return construct(RealDate, args.length === 0 ? [fixedNow] : args, new.target);
    };
    FixedDate.prototype = RealDate.prototype;
    FixedDate.now = () => fixedNow;
    FixedDate.parse = RealDate.parse;
    FixedDate.UTC = RealDate.UTC;
    defineGlobal("Date", FixedDate);
  }
  // Also without a grant: the host then denies the request, naming outbound_http = [origin].
  if (fetchMode === "loading") defineGlobal("fetch", loadingFetch);
  else defineGlobal("fetch", outboundFetch);
  return dispatch;
};
})()
