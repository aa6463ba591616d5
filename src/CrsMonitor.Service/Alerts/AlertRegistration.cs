using CrsMonitor.Service.Hosting;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.Options;

namespace CrsMonitor.Service.Alerts;

public static class AlertRegistration
{
    /// <summary>Alerts (section <c>Alerts</c>): rules and lifecycle, the bell and the feed (cross-node: LISTEN/NOTIFY and the follow poll), escalation, the round settle, SignalR with a 32 KB message limit, hub connections that end with their tokens.</summary>
    public static IServiceCollection AddAlerts(this IServiceCollection services)
    {
        services.AddStrictSettings<AlertSettings>(AlertSettings.SectionName);
        services.AddSingleton<IValidateOptions<AlertSettings>, AlertSettingsValidator>();
        services.AddSingleton<AlertBell>();
        services.AddSingleton<AlertService>();
        services.AddSingleton<AlertFollower>();
        services.AddSingleton<AlertFeed>();
        services.AddHostedService(sp => sp.GetRequiredService<AlertFeed>());
        services.AddSingleton<ChangeListener>();
        services.AddHostedService(sp => sp.GetRequiredService<ChangeListener>());
        services.AddHostedService<FollowPoll>();
        services.AddSingleton<StatusAnnouncer>();
        services.AddHostedService(sp => sp.GetRequiredService<StatusAnnouncer>());
        services.AddSingleton<EscalationWorker>();
        services.AddHostedService(sp => sp.GetRequiredService<EscalationWorker>());
        services.AddSingleton<RoundSettle>();
        services.AddSingleton<RoundSettleWorker>();
        services.AddHostedService(sp => sp.GetRequiredService<RoundSettleWorker>());
        services.AddSingleton<HubSessionExpiry>();
        services.AddSignalR(o =>
        {
            o.MaximumReceiveMessageSize = 32 * 1024;
            o.EnableDetailedErrors = false;
        });

        // Browsers cannot send a bearer header on a WebSocket: SignalR sends the token as access_token in the query
        // string, accepted on the hub's path only, and never logged: every log entry that carries it is redacted, so
        // turning ASP.NET Core's request logs up to Information does not write tokens (AccessTokenRedaction).
        services.AddAccessTokenRedaction();
        services.PostConfigure<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme, options =>
        {
            var previous = options.Events?.OnMessageReceived;
            options.Events ??= new JwtBearerEvents();
            options.Events.OnMessageReceived = async context =>
            {
                if (previous is not null)
                {
                    await previous(context).ConfigureAwait(false);
                }

                if (context.Token is null && context.HttpContext.Request.Path.StartsWithSegments(AlertHub.Path)
                    && context.Request.Query.TryGetValue("access_token", out var token))
                {
                    context.Token = token;
                }
            };
        });
        return services;
    }

    /// <summary>The hub, behind an Origin allow-list: a browser page from another origin may not open it (no wildcard CORS).</summary>
    public static void MapAlertHub(this WebApplication app)
    {
        app.UseWhen(c => c.Request.Path.StartsWithSegments(AlertHub.Path), branch => branch.Use(async (context, next) =>
        {
            var origin = context.Request.Headers.Origin.ToString();
            var allowed = context.RequestServices.GetRequiredService<IOptions<AlertSettings>>().Value.AllowedOrigins;
            if (origin.Length > 0 && !SameOrigin(context.Request, origin) && !allowed.Contains(origin, StringComparer.OrdinalIgnoreCase))
            {
                context.Response.StatusCode = StatusCodes.Status403Forbidden;
                await context.Response.WriteAsync($"Origin {origin} may not open the alert hub (Alerts:AllowedOrigins).").ConfigureAwait(false);
                return;
            }

            await next(context).ConfigureAwait(false);
        }));
    }

    private static bool SameOrigin(HttpRequest request, string origin) =>
        Uri.TryCreate(origin, UriKind.Absolute, out var uri)
        && string.Equals(uri.Scheme, request.Scheme, StringComparison.OrdinalIgnoreCase)
        && string.Equals(uri.Authority, request.Host.Value, StringComparison.OrdinalIgnoreCase);
}
