# The manifiesta image (docker-compose.yml runs its worker, portal and codec server). Node 20 on Debian, as in development.
FROM node:20-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
COPY bin ./bin
COPY src ./src
RUN npm ci && npm prune --omit=dev
USER node
CMD ["npm", "run", "worker"]
