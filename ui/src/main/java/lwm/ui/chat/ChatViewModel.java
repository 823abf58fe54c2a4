package lwm.ui.chat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import javafx.animation.Animation;
import javafx.animation.PauseTransition;
import javafx.beans.property.BooleanProperty;
import javafx.beans.property.DoubleProperty;
import javafx.beans.property.IntegerProperty;
import javafx.beans.property.ObjectProperty;
import javafx.beans.property.SimpleBooleanProperty;
import javafx.beans.property.SimpleDoubleProperty;
import javafx.beans.property.SimpleIntegerProperty;
import javafx.beans.property.SimpleObjectProperty;
import javafx.beans.property.SimpleStringProperty;
import javafx.beans.property.StringProperty;
import javafx.collections.FXCollections;
import javafx.collections.ObservableList;
import javafx.util.Duration;
import lwm.app.chat.ChatEvent;
import lwm.app.chat.ChatOptions;
import lwm.app.chat.ChatService;
import lwm.app.chat.ContextPlan;
import lwm.app.chat.TurnResult;
import lwm.app.ingest.IngestionEvent;
import lwm.app.store.Conversation;
import lwm.app.store.Message;
import lwm.app.workspace.Workspace;
import lwm.engine.generate.CancellationToken;
import lwm.engine.generate.GenerationEvent;
import lwm.engine.route.Route;
import lwm.engine.route.RoutingDecision;
import lwm.media.SamplingPolicy;
import lwm.media.TimeRange;
import lwm.ui.util.Background;
import lwm.ui.util.Errors;
import lwm.ui.util.Formats;
import lwm.ui.util.FxCoalescer;

/**
 * The chat screen's state and actions: the conversation list with its search, the selected thread, the composer's
 * draft and attachments with their live context plan, and the running turn's route, stage, progress and stop.
 * Every store, media and engine call goes through {@link Background}; properties change on the FX thread only.
 */
public final class ChatViewModel {
    /** LWM's default frames per video (vision_chat's max_n_frames). */
    public static final int DEFAULT_FRAMES = 8;

    private final Workspace workspace;
    private final Background background;
    private final ChatOptions options;

    private final ObservableList<Conversation> conversations = FXCollections.observableArrayList();
    private final StringProperty search = new SimpleStringProperty("");
    private final ObjectProperty<Conversation> selected = new SimpleObjectProperty<>();
    private final ObservableList<MessageItem> messages = FXCollections.observableArrayList();

    private final StringProperty draft = new SimpleStringProperty("");
    private final ObservableList<Path> attachments = FXCollections.observableArrayList();
    private final IntegerProperty framesPerVideo = new SimpleIntegerProperty(DEFAULT_FRAMES);
    private final ObjectProperty<TimeRange> range = new SimpleObjectProperty<>();
    private final ObjectProperty<ContextPlan> plan = new SimpleObjectProperty<>();
    private final StringProperty planProblem = new SimpleStringProperty("");
    private final BooleanProperty planning = new SimpleBooleanProperty();

    private final BooleanProperty busy = new SimpleBooleanProperty();
    private final StringProperty stage = new SimpleStringProperty("");
    private final DoubleProperty progress = new SimpleDoubleProperty(0);
    private final StringProperty route = new SimpleStringProperty("");
    private final StringProperty routeReason = new SimpleStringProperty("");
    private final StringProperty error = new SimpleStringProperty("");
    private final IntegerProperty openSettingsRequested = new SimpleIntegerProperty();

    private CancellationToken running;
    private boolean stopping;
    private int planGeneration;
    /** Plans the draft once typing pauses, not on every keystroke (planning reads the conversation's documents). */
    private final PauseTransition replanSoon = new PauseTransition(Duration.millis(250));

    public ChatViewModel(Workspace workspace, Background background, ChatOptions options) {
        this.workspace = workspace;
        this.background = background;
        this.options = options;
        search.addListener((o, was, now) -> reloadConversations());
        selected.addListener((o, was, now) -> loadThread());
        replanSoon.setOnFinished(e -> replan());
        draft.addListener((o, was, now) -> {
            planning.set(true);
            replanSoon.playFromStart();
        });
        framesPerVideo.addListener((o, was, now) -> replan());
        range.addListener((o, was, now) -> replan());
        attachments.addListener((javafx.collections.ListChangeListener<Path>) c -> replan());
    }

    // ------------------------------------------------------------------ conversations

    public void reloadConversations() {
        String query = search.get().strip();
        call(() -> query.isEmpty() ? workspace.store().conversations() : workspace.store().search(query), list -> {
            Conversation keep = selected.get();
            conversations.setAll(list);
            if (keep != null) {
                list.stream().filter(c -> c.id() == keep.id()).findFirst().ifPresent(selected::set);
            }
        });
    }

    public void newConversation() {
        call(() -> workspace.store().createConversation("New chat"), c -> {
            search.set("");
            conversations.add(0, c);
            selected.set(c);
        });
    }

    public void rename(Conversation c, String title) {
        if (title == null || title.isBlank()) {
            return;
        }
        call(() -> {
            workspace.store().rename(c.id(), title.strip());
            return null;
        }, ignored -> reloadConversations());
    }

    public void delete(Conversation c) {
        call(() -> {
            workspace.store().delete(c.id());
            return null;
        }, ignored -> {
            if (selected.get() != null && selected.get().id() == c.id()) {
                selected.set(null);
            }
            reloadConversations();
        });
    }

    private void loadThread() {
        Conversation c = selected.get();
        if (c == null) {
            messages.clear();
            return;
        }
        call(() -> workspace.store().messages(c.id()), list -> {
            if (selected.get() == c) {
                messages.setAll(list.stream().map(MessageItem::of).toList());
                replan();
            }
        });
    }

    // ------------------------------------------------------------------ composer and planner

    /** Adds dropped, pasted or picked files; folders and unreadable paths are refused with a message. */
    public void addAttachments(List<Path> files) {
        for (Path file : files) {
            if (!Files.isRegularFile(file)) {
                error.set(file + ": not a file (drop images, videos or text documents)");
            } else if (!attachments.contains(file)) {
                attachments.add(file);
            }
        }
    }

    public void removeAttachment(Path file) {
        attachments.remove(file);
    }

    /** LWM's evenly spaced frames per video, within the time range when one was chosen in the inspector. */
    public SamplingPolicy policy() {
        SamplingPolicy base = SamplingPolicy.lwm(Math.max(1, framesPerVideo.get()));
        return range.get() == null ? base : base.within(range.get());
    }

    /** Plans the draft in the background; only the newest plan is shown. */
    private void replan() {
        int generation = ++planGeneration;
        planning.set(true);
        List<Path> files = List.copyOf(attachments);
        String question = draft.get();
        long conversation = selected.get() == null ? -1 : selected.get().id();
        SamplingPolicy policy = policy();
        background.run(() -> workspace.chat().plan(conversation, question, files, policy, options.maxNewTokens()),
                p -> {
                    if (isNewest(generation)) {
                        plan.set(p);
                        planProblem.set("");
                        planning.set(false);
                    }
                }, e -> {
                    if (isNewest(generation)) {
                        plan.set(null);
                        planProblem.set(Errors.describe(e));
                        planning.set(false);
                    }
                });
    }

    /** Whether a plan started as {@code generation} is for the draft as it stands (none newer, no typing pending). */
    private boolean isNewest(int generation) {
        return generation == planGeneration && replanSoon.getStatus() != Animation.Status.RUNNING;
    }

    /** Applies one of the plan's fixes: fewer frames, or f16 weights (saved in the settings); a backend needs Settings. */
    public void applyFix(ContextPlan.Fix fix) {
        switch (fix.kind()) {
            case FEWER_FRAMES -> framesPerVideo.set(fix.frames());
            case HALF_PRECISION -> call(() -> {
                workspace.apply(workspace.settings().withPrecision("f16"), null);
                return null;
            }, ignored -> replan());
            case USE_BACKEND -> openSettingsRequested.set(openSettingsRequested.get() + 1);
        }
    }

    // ------------------------------------------------------------------ turns

    public boolean canSend() {
        return !busy.get() && (!draft.get().isBlank() || !attachments.isEmpty());
    }

    /** Sends the draft with its attachments in the selected conversation (a new one when none is selected). */
    public void send() {
        if (!canSend()) {
            return;
        }
        ContextPlan current = plan.get();
        if (current != null && !current.fits()) {
            error.set((current.problem() != null ? "Not sent: " + current.problem() : "Not sent: an attachment cannot be read")
                    + ". The planner above the composer shows what would make it fit.");
            return;
        }
        String question = draft.get().strip();
        List<Path> files = List.copyOf(attachments);
        SamplingPolicy policy = policy();
        draft.set("");
        attachments.clear();
        messages.add(new MessageItem(Message.Role.USER, messages.size(),
                files.stream().map(f -> f.getFileName().toString()).toList()));
        messages.get(messages.size() - 1).textProperty().set(question);
        runTurn((service, id, cancel) -> service.ask(id, question, files, policy, options, listener(), cancel));
    }

    /** Answers the last question again, replacing its answer. */
    public void regenerate() {
        if (busy.get() || selected.get() == null) {
            return;
        }
        if (!messages.isEmpty() && messages.get(messages.size() - 1).role() == Message.Role.ASSISTANT) {
            messages.remove(messages.size() - 1);
        }
        runTurn((service, id, cancel) -> service.regenerate(id, options, listener(), cancel));
    }

    /** Replaces the question {@code item} and everything after it with {@code text}, then answers it. */
    public void editAndResend(MessageItem item, String text) {
        if (busy.get() || selected.get() == null || text == null || text.isBlank()) {
            return;
        }
        int index = messages.indexOf(item);
        if (index >= 0) {
            messages.remove(index, messages.size());
        }
        MessageItem edited = new MessageItem(Message.Role.USER, item.seq(), item.attachments());
        edited.textProperty().set(text.strip());
        messages.add(edited);
        runTurn((service, id, cancel) -> service.editAndResend(id, item.seq(), text.strip(), options, listener(), cancel));
    }

    /** Cancels the running turn: ingestion stops between frames, generation between tokens. */
    public void stop() {
        if (running != null) {
            running.cancel();
            stopping = true;
            stage.set("Stopping…");
        }
    }

    /** A turn to run in conversation {@code id}, cancelled by {@code cancel}. */
    private interface Turn {
        TurnResult run(ChatService service, long id, CancellationToken cancel) throws Exception;
    }

    /** Runs {@code turn} in the selected conversation, or in a new one when none is selected. */
    private void runTurn(Turn turn) {
        CancellationToken cancel = new CancellationToken();
        running = cancel;
        stopping = false;
        busy.set(true);
        error.set("");
        latestStage = "Planning…";
        latestProgress = -1;
        stage.set(latestStage);
        progress.set(latestProgress);
        answer = new MessageItem(Message.Role.ASSISTANT, messages.size(), List.of());
        answer.statusProperty().set(Message.Status.STREAMING);
        messages.add(answer);
        synchronized (streamed) {
            streamed.setLength(0);
        }
        Conversation current = selected.get();
        long[] id = {current == null ? -1 : current.id()};
        background.run(() -> {
            ChatService service = workspace.chat();
            if (id[0] < 0) {
                id[0] = workspace.store().createConversation("New chat").id();
            }
            return turn.run(service, id[0], cancel);
        }, done -> finishTurn(id[0], null), e -> finishTurn(id[0], e));
    }

    private void finishTurn(long conversationId, Throwable failure) {
        busy.set(false);
        running = null;
        stage.set("");
        progress.set(0);
        if (failure != null) {
            error.set(Errors.describe(failure));
        }
        if (conversationId >= 0 && (selected.get() == null || selected.get().id() != conversationId)) {
            call(() -> workspace.store().conversations(), list -> {
                conversations.setAll(list);
                list.stream().filter(c -> c.id() == conversationId).findFirst().ifPresent(selected::set);
            });
        } else {
            loadThread();
            reloadConversations();
        }
    }

    // ------------------------------------------------------------------ streaming

    private MessageItem answer;
    private final StringBuilder streamed = new StringBuilder();
    private volatile String latestStage = "";
    private volatile double latestProgress = -1;
    private final FxCoalescer render = new FxCoalescer(this::render);

    /** Turn events, from the worker thread: state is updated under a lock and rendered once per FX pulse. */
    private java.util.function.Consumer<ChatEvent> listener() {
        return event -> {
            if (event instanceof ChatEvent.Routed routed) {
                RoutingDecision d = routed.decision();
                javafx.application.Platform.runLater(() -> {
                    route.set(d.route() == Route.LOCAL ? "Local" : "Remote");
                    routeReason.set(d.reason());
                });
            } else if (event instanceof ChatEvent.Ingestion ingestion) {
                onIngestion(ingestion.event());
            } else if (event instanceof ChatEvent.Generation generation) {
                onGeneration(generation.event());
            }
            render.changed();
        };
    }

    private void onIngestion(IngestionEvent e) {
        if (e instanceof IngestionEvent.Planned p) {
            latestStage = "Decoding " + p.file().getFileName() + ": " + p.frames() + " frames → " + p.tokens() + " tokens";
            latestProgress = 0;
        } else if (e instanceof IngestionEvent.Progress p) {
            latestStage = String.format(Locale.ROOT, "Encoding %s: %d/%d frames %s", p.file().getFileName(), p.encoded(),
                    p.total(), Formats.eta(p.eta()));
            latestProgress = p.total() == 0 ? -1 : p.encoded() / (double) p.total();
        } else if (e instanceof IngestionEvent.CacheHit c) {
            latestStage = c.file().getFileName() + ": " + c.frames() + " frames from the code cache";
        }
    }

    private void onGeneration(GenerationEvent e) {
        if (e instanceof GenerationEvent.PrefillProgress p) {
            latestStage = String.format(Locale.ROOT, "Prefill %s/%s tokens %s", Formats.tokens(p.processed()),
                    Formats.tokens(p.total()), Formats.eta(p.eta()));
            latestProgress = p.total() == 0 ? -1 : p.processed() / (double) p.total();
        } else if (e instanceof GenerationEvent.TokenGenerated t) {
            synchronized (streamed) {
                streamed.append(t.textDelta());
            }
            latestStage = "Generating: " + (t.index() + 1) + " tokens";
            latestProgress = -1;
        }
    }

    private void render() {
        if (!busy.get() || stopping) {
            return;
        }
        stage.set(latestStage);
        progress.set(latestProgress);
        if (answer != null) {
            synchronized (streamed) {
                answer.textProperty().set(streamed.toString());
            }
        }
    }

    // ------------------------------------------------------------------ plumbing

    private <T> void call(Callable<T> work, java.util.function.Consumer<T> onSuccess) {
        background.run(work, onSuccess, e -> error.set(Errors.describe(e)));
    }

    public ObservableList<Conversation> conversations() {
        return conversations;
    }

    public StringProperty searchProperty() {
        return search;
    }

    public ObjectProperty<Conversation> selectedProperty() {
        return selected;
    }

    public ObservableList<MessageItem> messages() {
        return messages;
    }

    public StringProperty draftProperty() {
        return draft;
    }

    public ObservableList<Path> attachments() {
        return attachments;
    }

    public IntegerProperty framesPerVideoProperty() {
        return framesPerVideo;
    }

    /** The time range videos are sampled in, or null for the whole video. */
    public ObjectProperty<TimeRange> rangeProperty() {
        return range;
    }

    public ObjectProperty<ContextPlan> planProperty() {
        return plan;
    }

    /** True from a change of the draft or its attachments until the plan for it is shown. */
    public BooleanProperty planningProperty() {
        return planning;
    }

    public StringProperty planProblemProperty() {
        return planProblem;
    }

    public BooleanProperty busyProperty() {
        return busy;
    }

    public StringProperty stageProperty() {
        return stage;
    }

    public DoubleProperty progressProperty() {
        return progress;
    }

    public StringProperty routeProperty() {
        return route;
    }

    public StringProperty routeReasonProperty() {
        return routeReason;
    }

    public StringProperty errorProperty() {
        return error;
    }

    /** Counts requests to open the settings (a plan's fix that needs them); the main window listens. */
    public IntegerProperty openSettingsRequested() {
        return openSettingsRequested;
    }

    /** Plans the draft again (the settings changed). */
    public void refreshPlan() {
        replan();
    }

    public Workspace workspace() {
        return workspace;
    }
}
