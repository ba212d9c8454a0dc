# The engine, the projector and the CLI share one image: `relance <command>`.
FROM node:20-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund
COPY . .
ENTRYPOINT ["node", "--max-semi-space-size=32", "bin/relance.js"]
CMD ["help"]
