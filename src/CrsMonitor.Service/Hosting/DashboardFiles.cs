using CrsMonitor.Service.Identity;
using Microsoft.Extensions.Options;

namespace CrsMonitor.Service.Hosting;

/// <summary>
/// The dashboard's static files (public: they hold no patient data; everything they call needs a token), with the
/// page's Content-Security-Policy as a header: scripts, styles and connections from this service only, and in OpenID
/// Connect mode also connections to the provider's origin (the dashboard reads its discovery document and exchanges
/// the sign-in code at its token endpoint).
/// </summary>
public static class DashboardFiles
{
    public static WebApplication UseDashboardFiles(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var identity = app.Services.GetRequiredService<IOptions<IdentitySettings>>().Value;
        var policy = Policy(identity);
        app.UseDefaultFiles();
        app.UseStaticFiles(new StaticFileOptions
        {
            OnPrepareResponse = context =>
            {
                if (context.File.Name.EndsWith(".html", StringComparison.OrdinalIgnoreCase))
                {
                    context.Context.Response.Headers.ContentSecurityPolicy = policy;
                    context.Context.Response.Headers.CacheControl = "no-cache";
                }
            },
        });
        return app;
    }

    /// <summary>The page's policy for this configuration.</summary>
    public static string Policy(IdentitySettings identity)
    {
        ArgumentNullException.ThrowIfNull(identity);
        var connect = identity.UsesOpenIdConnect && Uri.TryCreate(identity.Authority, UriKind.Absolute, out var authority)
            ? $"'self' {authority.GetLeftPart(UriPartial.Authority)}"
            : "'self'";
        return $"default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src {connect}; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
    }
}
