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
            .AddPolicy(Policies.ClinicalStaff, p => p.RequireAuthenticatedUser().RequireRole(Roles.Nurse, Roles.Physician));
        services.AddHealthChecks().AddCheck<SigningKeyHealthCheck>("signing-key", tags: [HealthEndpoints.ReadyTag]);
        return services;
    }

    /// <summary><c>GET /api/me</c>: the caller's subject, roles and units, as the service reads them from the token.</summary>
    public static void MapIdentityEndpoints(this IEndpointRouteBuilder app) =>
        app.MapGet("/api/me", (HttpContext context, IOptions<IdentitySettings> settings) =>
            TypedResults.Ok(CurrentUser.From(context.User, settings.Value)));
}
