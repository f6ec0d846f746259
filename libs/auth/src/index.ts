export {
  TOKEN_PREFIX,
  generateApiToken,
  hashApiToken,
  parseAuthorizationHeader,
  MalformedAuthorizationError,
} from './api-token';
export { ApiTokenGuard, CurrentUser, Public } from './api-token.guard';
export { ApiTokensService } from './api-tokens.service';
export { AuthenticatedUser, TokenCache } from './token-cache';
export { TOKEN_REVOKED_CHANNEL, TokenRevocationListener } from './token-revocation.listener';
export { type RevocationHandler, TokenRevocations } from './token-revocations';
export { AuthModule } from './auth.module';
export { UserExistsError, UsersService, normaliseEmail } from './users.service';
