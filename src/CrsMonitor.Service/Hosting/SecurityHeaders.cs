namespace CrsMonitor.Service.Hosting;

/// <summary>
/// Headers every response carries, whoever writes it (a static dashboard file, an endpoint, a 401/403/404 from the
/// framework, the exception handler's 500, a health check): <c>X-Content-Type-Options: nosniff</c> (a browser never
/// guesses a type: a FHIR body with HTML in it stays JSON) and <c>Referrer-Policy: no-referrer</c> (no address of this
/// service, which may hold a patient id, leaves it in a <c>Referer</c>; the service reads no <c>Referer</c>, and the
/// dashboard page already says the same in its meta tag). Set as the response starts, so a handler that clears the
/// response (the exception handler does) cannot drop them. Registered first in Program.cs.
/// </summary>
public static class SecurityHeaders
{
    public const string ContentTypeOptions = "nosniff";
    public const string ReferrerPolicy = "no-referrer";

    public static IApplicationBuilder UseSecurityHeaders(this IApplicationBuilder app) => app.Use((context, next) =>
    {
        context.Response.OnStarting(static state =>
        {
            var headers = ((HttpResponse)state).Headers;
            headers.XContentTypeOptions = ContentTypeOptions;
            headers["Referrer-Policy"] = ReferrerPolicy;
            return Task.CompletedTask;
        }, context.Response);
        return next(context);
    });
}
