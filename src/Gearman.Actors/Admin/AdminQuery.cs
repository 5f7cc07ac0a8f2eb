using System.Text;
using Akka.Actor;
using Gearman.Actors.Directory;
using Gearman.Actors.Protocol;

namespace Gearman.Actors.Admin;

/// <summary>
/// Answers one listing (workers, status, prioritystatus, show jobs, show unique jobs) for the whole cluster: it asks
/// every node for its connections and its queues with their counters (which each queue publishes in its node's
/// <see cref="JobDirectory"/>), and formats the result as gearmand does. Only `show jobs` and `show unique jobs` then
/// ask queues, and only those that hold jobs. One short-lived actor per request, so a slow node delays only that request.
/// </summary>
public sealed class AdminQuery : UntypedActor
{
    private readonly BrokerContext _ctx;
    private readonly AdminVerb _verb;
    private readonly IActorRef _replyTo;
    private readonly long _seq;
    private readonly List<ConnectionInfo> _connections = new();
    private readonly List<QueueEntry> _queues = new();
    private readonly Dictionary<string, IReadOnlyList<JobSummary>> _jobs = new(StringComparer.Ordinal);
    private int _nodes;
    private int _listings;
    private int _expectedJobs;
    private int _answers;

    public AdminQuery(BrokerContext ctx, AdminVerb verb, IActorRef replyTo, long seq)
    {
        _ctx = ctx;
        _verb = verb;
        _replyTo = replyTo;
        _seq = seq;
    }

    public static Props Props(BrokerContext ctx, AdminVerb verb, IActorRef replyTo, long seq) =>
        Akka.Actor.Props.Create(() => new AdminQuery(ctx, verb, replyTo, seq));

    private bool ListsJobs => _verb is AdminVerb.ShowJobs or AdminVerb.ShowUniqueJobs;

    protected override void PreStart()
    {
        var nodes = NodeDirectoryActor.OfAllNodes(Context);
        _nodes = nodes.Count;
        foreach (var node in nodes) node.Tell(new ListNode(0));
        if (_nodes == 0) Finish();
        else Context.SetReceiveTimeout(_ctx.Settings.AdminTimeout);
    }

    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case NodeListing listing:
                _connections.AddRange(listing.Connections);
                _queues.AddRange(listing.Queues);
                if (++_listings == _nodes)
                {
                    if (ListsJobs) AskForJobs();
                    else Finish();
                }
                break;
            case QueueStats s:
                _jobs[s.Function] = s.Jobs;
                if (++_answers == _expectedJobs) Finish();
                break;
            case ReceiveTimeout:
                Finish();
                break;
        }
    }

    /// <summary>The jobs themselves are only in their queues: the queues that hold any are asked for them.</summary>
    private void AskForJobs()
    {
        foreach (var q in _queues)
        {
            if (q.Jobs == 0 || _jobs.ContainsKey(q.Function)) continue;
            // Answered by whichever queue of the function has its jobs now; an empty list until it answers.
            _jobs[q.Function] = Array.Empty<JobSummary>();
            q.Queue.Tell(new GetQueueStats(q.Function, Self, WithJobs: true));
            _expectedJobs++;
        }
        if (_expectedJobs == 0) Finish();
    }

    private void Finish()
    {
        var sb = new StringBuilder();
        if (_verb == AdminVerb.Workers)
        {
            foreach (var c in _connections) AdminReplies.AppendWorker(sb, c.Id, c.Ip, c.ClientId, c.Functions);
        }
        else
        {
            // Each node lists its queues in name order, so a single node's listing needs no sorting.
            var queues = _queues.ToArray();
            if (_nodes > 1) Array.Sort(queues, (a, b) => string.CompareOrdinal(a.Function, b.Function));
            sb.EnsureCapacity(queues.Length * 24);
            for (var i = 0; i < queues.Length; i++)
            {
                // During a hand-off a function can briefly show on two nodes; it is listed once.
                if (i > 0 && queues[i].Function == queues[i - 1].Function) continue;
                Append(sb, queues[i]);
            }
        }
        _replyTo.Tell(new AdminText(_seq, sb.Append(AdminReplies.End).ToString()));
        Context.Stop(Self);
    }

    private void Append(StringBuilder sb, QueueEntry q)
    {
        switch (_verb)
        {
            case AdminVerb.Status:
                AdminReplies.AppendStatus(sb, q.Function, q.Total, q.Running, q.Workers);
                break;
            case AdminVerb.PriorityStatus:
                AdminReplies.AppendPriorityStatus(sb, q.Function, q.High, q.Normal, q.Low, q.Workers);
                break;
            case AdminVerb.ShowJobs when _jobs.TryGetValue(q.Function, out var jobs):
                foreach (var j in jobs) AdminReplies.AppendJob(sb, j.Handle, j.Retries, false, j.Background);
                break;
            case AdminVerb.ShowUniqueJobs when _jobs.TryGetValue(q.Function, out var jobs):
                foreach (var j in jobs.Where(j => j.Unique.Length > 0)) sb.Append(j.Unique).Append('\n');
                break;
        }
    }
}
