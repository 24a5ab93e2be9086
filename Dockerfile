# The manifiesta image (docker-compose.yml runs its worker, portal and codec server): Node.js 24 LTS on
# Debian, the runtime CI tests on.
FROM node:24-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
COPY bin ./bin
COPY src ./src
RUN npm ci && npm prune --omit=dev
USER node
CMD ["npm", "run", "worker"]
