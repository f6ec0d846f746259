export {
  TOKEN_PREFIX,
  generateApiToken,
  hashApiToken,
  parseAuthorizationHeader,
  MalformedAuthorizationError,
} from './api-token';
export { ApiTokenGuard, CurrentUser, Public } from './api-token.guard';
export { ApiTokensService } from './api-tokens.service';
export { AuthModule } from './auth.module';
export { UserExistsError, UsersService, normaliseEmail } from './users.service';
