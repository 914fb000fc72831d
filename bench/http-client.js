'use strict';
// A tiny JSON client over keep-alive sockets (node:http), so the webhook sender measures the
// server, not TCP handshakes.

const http = require('node:http');
const { Buffer } = require('node:buffer');
const { URL } = require('node:url');

class HttpClient {
  /**
   * @param {string} baseUrl @param {number} maxSockets
   * @param {Record<string, string>} [headers] sent with every request (the API key)
   */
  constructor(baseUrl, maxSockets, headers = {}) {
    this.base = new URL(baseUrl);
    this.agent = new http.Agent({ keepAlive: true, maxSockets, maxFreeSockets: maxSockets });
    this.headers = headers;
  }

  /**
   * @param {string} method
   * @param {string} path
   * @param {unknown} [body] sent as JSON
   * @returns {Promise<{ status: number, body: any }>} body parsed as JSON when it is JSON
   */
  request(method, path, body) {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    return new Promise((resolve, reject) => {
      const request = http.request(
        {
          host: this.base.hostname,
          port: this.base.port,
          method,
          path,
          agent: this.agent,
          headers: payload
            ? {
                ...this.headers,
                'content-type': 'application/json',
                'content-length': Buffer.byteLength(payload),
              }
            : this.headers,
        },
        (response) => {
          const chunks = [];
          response.on('data', (chunk) => chunks.push(chunk));
          response.on('error', reject);
          response.on('end', () => {
            const text = Buffer.concat(chunks).toString();
            let parsed = text;
            try {
              parsed = JSON.parse(text);
            } catch {
              // not JSON
            }
            resolve({ status: /** @type {number} */ (response.statusCode), body: parsed });
          });
        },
      );
      request.on('error', reject);
      request.end(payload);
    });
  }

  close() {
    this.agent.destroy();
  }
}

module.exports = { HttpClient };
