using System.Collections;
using System.Reflection;
using System.Security;
using System.Text.Json;
using PveTokens.Access;
using PveTokens.Client;
using PveTokens.Models;
using PveTokens.Tests.Infrastructure;

namespace PveTokens.Tests.Reliability;

/// <summary>
/// The in-process half of the secrets scan (the Pester half, Secrets.Tests.ps1, covers the transcript):
/// the session's real ticket and CSRF token, the password and every token secret must not appear in
/// any stream, format view, error or the emulator's request log, also while calls are retried and
/// writes are read back; and no long-lived object keeps a secret as a plain string.
/// </summary>
public sealed class SecretsTests
{
    [Fact]
    public async Task No_secret_in_streams_errors_views_or_the_request_log_even_with_retries_and_lost_answers()
    {
        await using var c = await ReliabilityContext.StartAsync(ticket: true);
        c.Host.Faults.FailNext(1, 503, "GET");
        c.Host.Faults.DropNextAfterHandling(1, "PUT");
        PsResult r = c.Run("""
            $n = New-PveApiToken -Session $s -UserId ci@pve -TokenId scan -Comment scan -Confirm:$false
            $n
            $n | Format-List * | Out-String
            Get-PveApiToken -Session $s
            Update-PveApiToken -Session $s -UserId ci@pve -TokenId scan -Comment changed -PassThru -Confirm:$false
            Reset-PveApiToken -Session $s -UserId ci@pve -TokenId backup -Confirm:$false
            Set-PveAcl -Session $s -Path /vms -TokenId 'ci@pve!scan' -Role PVEAuditor -PassThru -Confirm:$false
            Get-PveApiToken -Session $s -UserId ci@pve -TokenId nosuch
            Connect-PveServer -Server $url -ApiToken 'root@pam!rel=00000000-1111-2222-3333-444444444444' -CertificateThumbprint $fp -MaximumRetryCount 0
            $s
            $s | Format-List * -Force | Out-String
            """);
        Assert.Contains(r.Verbose, v => v.Contains("retry 1 of 3", StringComparison.Ordinal));
        Assert.Contains(r.Warnings, w => w.Contains("applied", StringComparison.Ordinal));

        (string ticket, string csrf) = TicketOf(c.Session.Client);
        var secrets = new List<string> { ticket, csrf, Emulators.RootPassword, ReliabilityContext.TokenSecret, "00000000-1111-2222-3333-444444444444" };
        secrets.AddRange(r.Objects<PveApiTokenSecret>().Select(s => s.GetPlainTextSecret()));
        Assert.Equal(7, secrets.Count);
        string log = JsonSerializer.Serialize(c.Host.RequestLog);
        string all = r.AllText();
        foreach (string secret in secrets)
        {
            Assert.False(all.Contains(secret, StringComparison.Ordinal), $"a secret of {secret.Length} chars appears in the output");
            Assert.False(log.Contains(secret, StringComparison.Ordinal), $"a secret of {secret.Length} chars appears in the request log");
        }
    }

    [Fact]
    public async Task Long_lived_objects_keep_no_secret_as_a_plain_string()
    {
        await using var c = await ReliabilityContext.StartAsync(ticket: true);
        PsResult r = c.Run("New-PveApiToken -Session $s -UserId ci@pve -TokenId kept -Confirm:$false");
        r.AssertNoErrors();
        var created = r.Single<PveApiTokenSecret>();
        (string ticket, string csrf) = TicketOf(c.Session.Client);
        string[] secrets = { ticket, csrf, Emulators.RootPassword, created.GetPlainTextSecret() };

        var seen = new HashSet<object>(ReferenceEqualityComparer.Instance);
        var plain = new List<string>();
        Walk(c.Session, "session", 0, seen, plain, secrets);
        Walk(created, "token", 0, seen, plain, secrets);

        Assert.True(plain.Count == 0, "plain secrets held in: " + string.Join(", ", plain));
        Assert.True(seen.OfType<SecureString>().Count() >= 3, "ticket, CSRF token and the token secret are held as SecureString");
    }

    private static (string Ticket, string Csrf) TicketOf(PveClient client)
    {
        object state = typeof(PveClient).GetField("_ticket", BindingFlags.NonPublic | BindingFlags.Instance)!.GetValue(client)!;
        string Plain(string name) => new System.Net.NetworkCredential(string.Empty,
            (SecureString)state.GetType().GetProperty(name, BindingFlags.NonPublic | BindingFlags.Instance)!.GetValue(state)!).Password;
        return (Plain("Ticket"), Plain("CsrfToken"));
    }

    // Follows the object graph of our own types (and collections of them), noting any string field that holds a secret.
    private static void Walk(object? value, string path, int depth, HashSet<object> seen, List<string> plain, string[] secrets)
    {
        if (value is null || depth > 8 || value is Type || value is Delegate || value is Pointer)
        {
            return;
        }

        if (value is string s)
        {
            if (secrets.Any(secret => s.Contains(secret, StringComparison.Ordinal)))
            {
                plain.Add(path);
            }

            return;
        }

        Type type = value.GetType();
        if (type.IsPrimitive || type.IsEnum || !seen.Add(value))
        {
            return;
        }

        if (value is SecureString)
        {
            return;
        }

        if (value is IEnumerable items and not string && type.Namespace?.StartsWith("PveTokens", StringComparison.Ordinal) != true)
        {
            int i = 0;
            foreach (object? item in items)
            {
                Walk(item, $"{path}[{i++}]", depth + 1, seen, plain, secrets);
            }

            return;
        }

        if (type.Namespace?.StartsWith("PveTokens", StringComparison.Ordinal) != true)
        {
            return;
        }

        for (Type? t = type; t is not null; t = t.BaseType)
        {
            foreach (FieldInfo f in t.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
            {
                Walk(f.GetValue(value), path + "." + f.Name, depth + 1, seen, plain, secrets);
            }
        }
    }
}
