using CrsMonitor.Service.Hosting;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Options;

namespace CrsMonitor.Service.Identity;

public static class IdentityRegistration
{
    /// <summary>Bearer authentication on everything (the fallback policy), role policies, the development key.</summary>
    public static IServiceCollection AddCrsMonitorIdentity(this IServiceCollection services)
    {
        services.AddStrictSettings<IdentitySettings>(IdentitySettings.SectionName);
        services.AddSingleton<IValidateOptions<IdentitySettings>, IdentitySettingsValidator>();
        services.AddSingleton<DevSigningKeyStore>();
        services.AddHostedService<DevSigningKeyPreparation>();
        services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer();
        services.ConfigureOptions<JwtBearerSetup>();
        services.AddAuthorizationBuilder()
            .SetFallbackPolicy(new AuthorizationPolicyBuilder().RequireAuthenticatedUser().Build())
            .AddPolicy(Policies.ClinicalStaff, p => p.RequireAuthenticatedUser().RequireRole(Roles.Nurse, Roles.Physician))
            .AddPolicy(Policies.Research, p => p.RequireAuthenticatedUser().RequireRole(Roles.Researcher))
            .AddPolicy(Policies.SiteView, p => p.RequireAuthenticatedUser().RequireRole(Roles.Physician, Roles.Researcher));
        services.AddHealthChecks().AddCheck<SigningKeyHealthCheck>("signing-key", tags: [HealthEndpoints.ReadyTag]);
        return services;
    }

    /// <summary>
    /// <c>GET /api/me</c>: the caller's subject, roles and units, as the service reads them from the token.
    /// <c>GET /api/sign-in</c> (anonymous): how the dashboard signs people in: <c>{"mode":"development"}</c> (paste a
    /// token from the <c>token</c> verb) or <c>{"mode":"openid-connect","authority","clientId","scope"}</c> (the
    /// authorization code flow with PKCE against the hospital's provider; nothing secret: the client is public).
    /// </summary>
    public static void MapIdentityEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/me", (HttpContext context, IOptions<IdentitySettings> settings) =>
            TypedResults.Ok(CurrentUser.From(context.User, settings.Value)));
        app.MapGet("/api/sign-in", (IOptions<IdentitySettings> settings) =>
        {
            var s = settings.Value;
            return TypedResults.Ok(s.UsesOpenIdConnect
                ? new SignInMethod("openid-connect", s.Authority!.TrimEnd('/'), string.IsNullOrWhiteSpace(s.ClientId) ? null : s.ClientId, s.Scope)
                : new SignInMethod("development", null, null, null));
        }).AllowAnonymous();
    }

    /// <summary>The answer of <c>GET /api/sign-in</c>.</summary>
    public sealed record SignInMethod(
        string Mode,
        [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)] string? Authority,
        string? ClientId,
        [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)] string? Scope);
}
