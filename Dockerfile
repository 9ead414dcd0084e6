# One image for the API and the worker; docker-compose.yml picks the process.
#
# The processes run from TypeScript source with tsx, as `npm start` does,
# instead of from a tsc build: tsx is a runtime dependency already, and the
# worker bundles workflows/ from source when it starts. So `npm ci --omit=dev`
# gives everything both processes need.
FROM node:20-slim

WORKDIR /app
ENV NODE_ENV=production

COPY package.json package-lock.json ./
RUN npm ci --omit=dev && npm cache clean --force

COPY . .

USER node
EXPOSE 3000

# The worker service overrides this with `worker.ts`.
CMD ["node", "--import", "tsx", "api/server.ts"]
