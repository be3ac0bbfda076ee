// Copyright (c) PveTokens contributors. MIT License.
// See LICENSE in the project root for license information.

using System;
using System.Diagnostics;
using System.Net.Http;
using System.Security;
using System.Text.Json.Serialization;
using System.Threading;
using System.Threading.Tasks;
using PveTokens.Access;

namespace PveTokens.Client;

// Ticket authentication: POST /access/ticket (with the TFA second step), the PVEAuthCookie and
// CSRFPreventionToken it yields, and renewal before the ticket expires (api.md §2.3).
internal sealed partial class PveClient
{
    private const string TicketPath = "/access/ticket";

    private readonly SemaphoreSlim _renewLock = new SemaphoreSlim(1, 1);
    private volatile TicketState? _ticket;

    // Kept (as a SecureString) only for logins without a second factor, so a session idle past the
    // ticket's lifetime can log in again; a TFA login cannot be repeated without a fresh code.
    private SecureString? _reloginPassword;

    /// <summary>
    /// Logs in as <paramref name="userId"/> (USER@REALM). With two-factor authentication PVE answers
    /// <c>NeedTFA</c> and a half ticket; the second POST sends <c>password=totp:&lt;code&gt;</c>.
    /// </summary>
    /// <exception cref="PveOneTimePasswordRequiredException">TFA is on and <paramref name="oneTimePassword"/> is null.</exception>
    internal async Task LoginAsync(string userId, SecureString password, string? oneTimePassword, CancellationToken cancellationToken)
    {
        TicketData data = await RequestTicketAsync(userId, SecretText.ToPlainText(password), null, cancellationToken).ConfigureAwait(false);
        bool secondFactor = data.NeedTfa;
        if (secondFactor)
        {
            if (string.IsNullOrWhiteSpace(oneTimePassword))
            {
                throw new PveOneTimePasswordRequiredException(userId);
            }

            data = await RequestTicketAsync(userId, "totp:" + oneTimePassword!.Trim(), data.Ticket, cancellationToken).ConfigureAwait(false);
        }

        _token?.Dispose();
        _token = null;
        SetTicket(data, userId);
        _reloginPassword?.Dispose();
        _reloginPassword = secondFactor ? null : password.Copy();
        _reloginPassword?.MakeReadOnly();
    }

    private Task RenewTicketIfOldAsync(CancellationToken cancellationToken)
    {
        TicketState? current = _ticket;
        return current is null || current.Age < _options.TicketRenewalAge
            ? Task.CompletedTask
            : RenewUnlessReplacedAsync(current, cancellationToken);
    }

    // Renews (or logs in again) unless another call already replaced the ticket it saw.
    private async Task RenewUnlessReplacedAsync(TicketState seen, CancellationToken cancellationToken)
    {
        bool renewed = false;
        await _renewLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (ReferenceEquals(seen, _ticket))
            {
                await RenewOrLoginAgainAsync(seen, cancellationToken).ConfigureAwait(false);
                renewed = true;
            }
        }
        finally
        {
            _renewLock.Release();
        }

        if (renewed)
        {
            await ReadVersionAfterRenewalAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    // A ticket outlives many things, an upgrade of the server among them: the version is read again
    // (outside the renewal lock, which a 401 here would need). The call that renewed must not fail
    // because of it: on failure the version read before stands, and the next renewal tries again.
    private async Task ReadVersionAfterRenewalAsync(CancellationToken cancellationToken)
    {
        try
        {
            await ReadVersionAsync(renewTicket: false, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is PveApiException || e is PveConnectionException || e is System.Text.Json.JsonException)
        {
            Notify(new ClientNotice(ClientNoticeLevel.Verbose,
                $"{_options.Server.Authority}: reading the version after renewing the ticket failed ({e.Message.TrimEnd('.')}); the version read before stands."));
        }
    }

    private async Task RenewOrLoginAgainAsync(TicketState current, CancellationToken cancellationToken)
    {
        try
        {
            TicketData data = await RequestTicketAsync(current.UserId, SecretText.ToPlainText(current.Ticket), null, cancellationToken).ConfigureAwait(false);
            SetTicket(data, current.UserId);
            return;
        }
        catch (PveApiException e) when (e.StatusCode == 401 && _reloginPassword is not null)
        {
            // The ticket already expired (an idle session): renewal is refused, a fresh login is not.
        }

        TicketData fresh = await RequestTicketAsync(current.UserId, SecretText.ToPlainText(_reloginPassword!), null, cancellationToken)
            .ConfigureAwait(false);
        SetTicket(fresh, current.UserId);
    }

    private Task<TicketData> RequestTicketAsync(string userId, string password, string? tfaChallenge, CancellationToken cancellationToken)
    {
        var form = new PveParameters().Add("username", userId).AddSecret("password", password);
        if (tfaChallenge is not null)
        {
            form.AddSecret("tfa-challenge", tfaChallenge);
        }

        return SendCoreAsync(HttpMethod.Post, TicketPath, form, ReadTicketAsync, authenticate: false, cancellationToken);
    }

    private static async Task<TicketData> ReadTicketAsync(System.IO.Stream body, CancellationToken cancellationToken) =>
        await ReadDataAsync<TicketData>(body, cancellationToken).ConfigureAwait(false) is { Ticket.Length: > 0 } data
            ? data
            : throw new System.Text.Json.JsonException("The login answer holds no ticket.");

    private void SetTicket(TicketData data, string userId)
    {
        // The old state is not disposed: a call running on another thread may still be reading it.
        _ticket = new TicketState(data.Username ?? userId, SecretText.ToSecureString(data.Ticket!), SecretText.ToSecureString(data.CsrfToken ?? string.Empty));
    }

    private void ClearTicket()
    {
        _ticket = null;
        _reloginPassword?.Dispose();
        _reloginPassword = null;
    }

    // The ticket and CSRF token stay private to the client, as read-only SecureStrings (made plain only
    // while a request's headers are built): no property, log line or message shows them.
    private sealed class TicketState
    {
        private readonly long _issued = Stopwatch.GetTimestamp();

        internal TicketState(string userId, SecureString ticket, SecureString csrfToken)
        {
            UserId = userId;
            Ticket = ticket;
            CsrfToken = csrfToken;
        }

        internal string UserId { get; }

        internal SecureString Ticket { get; }

        internal SecureString CsrfToken { get; }

        internal TimeSpan Age => TimeSpan.FromSeconds((Stopwatch.GetTimestamp() - _issued) / (double)Stopwatch.Frequency);

        public override string ToString() => UserId;
    }

    private sealed class TicketData
    {
        [JsonPropertyName("username")]
        public string? Username { get; set; }

        [JsonPropertyName("ticket")]
        public string? Ticket { get; set; }

        [JsonPropertyName("CSRFPreventionToken")]
        public string? CsrfToken { get; set; }

        [JsonPropertyName("NeedTFA")]
        public bool NeedTfa { get; set; }

        public override string ToString() => Username ?? string.Empty;
    }
}
