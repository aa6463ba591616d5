using CrsMonitor.Grading;
using CrsMonitor.Service.Hosting;
using CrsMonitor.Service.Identity;
using Microsoft.Extensions.Options;

namespace CrsMonitor.Service.Assessment;

/// <summary>
/// <c>POST /api/grading/evaluate</c>: the stateless what-if calculator. Grades what it is given with the pure ASTCT
/// graders and the configured settings; stores and logs nothing of the body. Nurses and physicians only.
/// </summary>
public static class EvaluateEndpoint
{
    public const string Route = "/api/grading/evaluate";
    public const int MaxBodyBytes = 64 * 1024;

    public static IServiceCollection AddAssessment(this IServiceCollection services)
    {
        services.AddStrictSettings<GradingSettings>(GradingSettingsValidator.SectionName);
        services.AddSingleton<IValidateOptions<GradingSettings>, GradingSettingsValidator>();
        return services;
    }

    public static void MapAssessmentEndpoints(this IEndpointRouteBuilder app) =>
        app.MapPost(Route, EvaluateAsync).RequireAuthorization(Policies.ClinicalStaff);

    private static async Task<IResult> EvaluateAsync(HttpContext context, IOptions<GradingSettings> settings, IOptions<ContinuousGradingSettings> continuous)
    {
        var (document, failure) = await JsonBody.ReadAsync(context.Request, MaxBodyBytes, context.RequestAborted).ConfigureAwait(false);
        if (failure is not null)
        {
            return failure;
        }

        using (document)
        {
            var errors = new ValidationErrors();
            var request = EvaluateRequest.Read(document!.RootElement, errors, continuous.Value.PremedicationMasksFor);
            if (errors.Any)
            {
                return errors.ToResult();
            }

            var graded = AstctGrader.Evaluate(request.Crs, request.Icans, settings.Value);
            context.Response.Headers.CacheControl = "no-store";
            return TypedResults.Ok(new EvaluateResponse(GradeResponse.From(graded.Crs), GradeResponse.From(graded.Icans)));
        }
    }
}
