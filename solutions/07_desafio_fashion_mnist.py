# %% [markdown]
# # 07 · Desafio Fashion-MNIST
#
# Na aula "06 · MNIST, mão na massa" você treinou uma CNN que reconhece dígitos escritos à
# mão. O desafio dos slides da FIAP (veja as Fontes no fim) é levar **o mesmo modelo** a um
# problema mais difícil, o Fashion-MNIST: fotos de roupas e calçados. E fazer isso do jeito
# certo: com uma divisão honesta dos dados, uma tabela com todos os experimentos e uma
# escolha justificada com números.
#
# Você vai aprender a:
#
# - reaproveitar a CNN do MNIST (`build_mnist_cnn`) num conjunto de dados novo;
# - separar treino, validação e teste, com uma validação estratificada, e entender por que o
#   teste só é usado uma vez, no fim;
# - variar épocas (*epochs*), tamanho do lote (*batch size*), número de filtros e função de
#   ativação, anotando cada treino numa tabela de experimentos;
# - medir quanto a acurácia muda só com a semente, antes de comparar configurações;
# - montar uma rede maior (preenchimento `"same"`, blocos mais fundos), conferir que ela
#   decora um lote antes do treino longo e treiná-la com uma taxa de aprendizado que cai;
# - escolher a melhor configuração pela validação e justificar a escolha;
# - medir a acurácia no teste uma vez, com um intervalo por *bootstrap*, e entregar o desafio
#   num formato que o professor corrige automaticamente.

# %%
import tempfile
import time

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from IPython.display import Markdown
from sklearn.metrics import confusion_matrix
from sklearn.model_selection import train_test_split

from course_utils import config, fmt
from course_utils.challenge import prepare_images, save_submission, self_check
from course_utils.checks import ____, is_placeholder
from course_utils.datasets import FASHION_CLASSES, load_fashion_mnist
from course_utils.exercises.lesson07 import (
    FINAL_ARCHITECTURE,
    FINAL_CONFIG,
    MEASURED,
    VAL_FRACTION,
    best_run,
    bootstrap_interval as reference_bootstrap,
    cosine_adam,
    cosine_schedule,
    ex1,
    ex2,
    ex3,
    ex4,
    ex5,
)
from course_utils.grading import load_rubric
from course_utils.grading.evalset import EVAL_NOISE
from course_utils.lessons import SEED, reference_split, student_seed
from course_utils.models import build_mnist_cnn
from course_utils.plots import plot_confusion_matrix, plot_history, show_images

config.set_seed(SEED)
print(config.fast_mode_line())

# %% [markdown]
# ## Como o desafio vale nota
#
# O professor corrige todas as entregas com o mesmo programa. Ele roda o seu modelo num
# conjunto de avaliação **privado**, confere a sua tabela de experimentos e roda o seu
# notebook de novo, de cima a baixo. "Privado" quer dizer só que o arquivo fica com o
# professor: as imagens são uma amostra estratificada do **teste público** do Fashion-MNIST,
# o mesmo que você carrega logo abaixo, com um leve ruído (cada pixel muda alguns tons de
# cinza; a célula abaixo diz quantos), para nenhuma imagem ser idêntica a uma pública.
#
# Por isso o teste não pode guiar nenhuma escolha sua. Quem ajusta o modelo olhando o teste
# ajusta também a nota, e o número deixa de dizer quanto o modelo acerta em imagens novas: é
# o mesmo otimismo que a seção "Treino, validação e teste" explica abaixo. As escolhas vêm da
# validação, e a sua tabela de experimentos mostra isso. A tabela de pontos é gerada pela
# própria regra do corretor, então é exatamente a que vale:

# %%
print(f"ruído do conjunto de avaliação: cada pixel muda no máximo {EVAL_NOISE} tons de "
      "cinza (de 0 a 255)")
Markdown(load_rubric().to_markdown())

# %% [markdown]
# ## Sua identificação e a sua semente
#
# A entrega leva a sua identificação, e ela serve para mais uma coisa: escolher a **sua**
# semente. Todo treino depende de sorteios (os pesos iniciais, a ordem das imagens em cada
# época, o *dropout*), e a semente fixa esses sorteios. Numa CPU o treino é determinístico:
# dois alunos que fazem as mesmas escolhas com a mesma semente entregam o mesmo modelo, bit a
# bit, e o corretor aponta modelos idênticos ao professor como possível cópia. Com uma semente
# tirada da sua identificação, os seus treinos são só seus, e você ainda pode repetir qualquer
# um deles e obter o mesmo resultado.
#
# ### Exercício 1 · Sua identificação
#
# Escreva em `student_id` a sua matrícula ou o seu nome, só com letras sem acento, dígitos,
# `.`, `_` e `-` (ele vira o nome de uma pasta na correção).

# %%
# BEGIN SOLUTION ex1
student_id = "gabarito"
# END SOLUTION
ex1.check(student_id)

# %%
# ex1.hint()
# ex1.solution()

# %% [markdown]
# `student_seed` transforma a identificação num número, sempre o mesmo para o mesmo texto, em
# qualquer computador. Todos os treinos deste notebook usam essa semente, `MY_SEED`. A divisão
# entre treino e validação, logo adiante, continua com a semente do curso (`SEED`): a
# validação é a mesma para a turma toda.

# %%
if is_placeholder(student_id):
    MY_SEED = SEED
    print(f"student_id está em branco: uso a semente do curso, {SEED}, até você fazer o "
          "exercício 1")
else:
    MY_SEED = student_seed(student_id)
    print(f"a sua semente: {MY_SEED}")

# %% [markdown]
# ## O Fashion-MNIST
#
# A Zalando criou o Fashion-MNIST para substituir o MNIST, que ficou fácil demais para
# comparar modelos: até redes simples acertam quase todos os dígitos. O formato é idêntico
# (imagens 28×28 em tons de cinza, 10 classes), então tudo o que funcionava com o MNIST
# funciona aqui sem mudança. Só que camiseta, camisa e pulôver se parecem muito mais entre si
# do que um 1 e um 7.

# %%
(x_train, y_train), (x_test, y_test) = load_fashion_mnist()
print("treino:", x_train.shape, x_train.dtype, "| teste:", x_test.shape, x_test.dtype)
print("classes:", ", ".join(f"{i} = {name}" for i, name in enumerate(FASHION_CLASSES)))

# %%
show_images(
    x_train[:16],
    titles=[FASHION_CLASSES[label] for label in y_train[:16]],
    cmap="gray",
    suptitle="As primeiras imagens de treino",
);

# %% [markdown]
# Quantas imagens há de cada classe no treino?

# %%
pd.DataFrame({"imagens de treino": np.bincount(y_train, minlength=10)},
             index=pd.Index(FASHION_CLASSES, name="classe"))

# %% [markdown]
# Todas as classes têm o mesmo número de imagens: o conjunto é balanceado. Guarde isso, vai
# importar na hora de separar a validação.
#
# ## Treino, validação e teste
#
# Os slides da FIAP pedem para separar os dados em treino e teste. Como vamos treinar *muitas*
# configurações e escolher a melhor, precisamos de uma terceira parte:
#
# - **treino**: onde o modelo ajusta os pesos;
# - **validação**: onde comparamos as configurações e escolhemos uma;
# - **teste**: a prova final, usada **uma única vez**, com o modelo já escolhido.
#
# Por que não escolher direto pelo teste? Cada medida de acurácia tem um pouco de sorte (a
# semente, a ordem dos lotes). Se você treina vinte configurações e fica com a que foi melhor
# no teste, está escolhendo também a que teve mais sorte naquelas imagens, e a acurácia que
# você anuncia fica otimista. Pior: cada ajuste feito "porque o teste melhorou" adapta o
# modelo ao teste, que deixa de ser uma prova que o modelo nunca viu. Por isso a comparação
# usa a validação, e o teste fica guardado até o fim.
#
# O Fashion-MNIST já vem com um teste separado. A validação sai do treino, com
# `train_test_split` do scikit-learn, e de forma **estratificada** (`stratify=y`): cada classe
# aparece na validação na mesma proporção em que aparece no treino, então a validação é uma
# miniatura fiel do problema. `random_state` fixa o sorteio, para a divisão ser sempre a
# mesma.
#
# ### Exercício 2 · Separe a validação
#
# Separe `x_train, y_train` em `x_tr, x_val, y_tr, y_val`, com a fração `VAL_FRACTION` na
# validação, estratificada pelos rótulos e com `random_state=SEED`.

# %%
# BEGIN SOLUTION ex2
x_tr, x_val, y_tr, y_val = train_test_split(
    x_train, y_train, test_size=VAL_FRACTION, stratify=y_train, random_state=SEED
)
# END SOLUTION
ex2.check((x_tr, x_val, y_tr, y_val))

# %%
# ex2.hint()
# ex2.solution()

# %% [markdown]
# Para o notebook rodar mesmo com o exercício em branco, daqui em diante usamos
# `reference_split` do `course_utils`: a mesma divisão estratificada, com a semente do curso,
# que as outras aulas também usam. A tabela compara a fração de cada classe no treino, na
# validação e no teste.

# %%
x_tr, x_val, y_tr, y_val = reference_split(x_train, y_train, VAL_FRACTION)
print(f"treino: {fmt.num(len(y_tr))} | validação: {fmt.num(len(y_val))} | "
      f"teste: {fmt.num(len(y_test))} imagens")
shares = pd.DataFrame(
    {
        "treino": np.bincount(y_tr, minlength=10) / len(y_tr),
        "validação": np.bincount(y_val, minlength=10) / len(y_val),
        "teste": np.bincount(y_test, minlength=10) / len(y_test),
    },
    index=FASHION_CLASSES,
)
shares.map(fmt.pct)

# %% [markdown]
# E se não estratificássemos? A célula abaixo sorteia uma validação do mesmo tamanho sem
# `stratify` e mede, nas duas versões, o maior desvio entre a fração de uma classe na
# validação e no treino completo.

# %%
_, _, _, y_val_random = train_test_split(
    x_train, y_train, test_size=VAL_FRACTION, random_state=SEED
)
train_share = np.bincount(y_train, minlength=10) / len(y_train)
for name, labels in (("estratificada", y_val), ("sem stratify", y_val_random)):
    deviation = np.abs(np.bincount(labels, minlength=10) / len(labels) - train_share).max()
    print(f"{name:>13}: maior desvio de proporção = {fmt.num(100 * deviation, 2)} pontos "
          "percentuais")

# %% [markdown]
# A divisão estratificada copia as proporções do treino quase exatamente; a sorteada só
# aproximadamente. Com classes balanceadas e milhares de imagens a diferença é pequena, mas
# com poucas imagens ou classes raras ela decide se a validação é confiável.
#
# ## A CNN do MNIST, de novo
#
# O modelo é o da aula 06, construído pela mesma função `build_mnist_cnn` de
# `course_utils.models`: um bloco [convolução 3×3 → *max pooling* 2×2] para cada número da
# lista `filters`, depois `Flatten`, `Dropout` e uma camada densa com *softmax* de 10 saídas.
# Como o número de filtros e a ativação são argumentos, dá para variar os dois sem reescrever
# o modelo.

# %%
build_mnist_cnn().summary()

# %% [markdown]
# Antes de treinar, as imagens viram `float32` entre 0 e 1 e ganham o eixo de canal (1, tons
# de cinza). `prepare_images` faz isso, e é a mesma função que o corretor do professor usa
# na sua entrega. Preparar o teste agora não é "olhar" o teste: nenhuma decisão depende dele.

# %%
x_tr_in, x_val_in, x_test_in = (prepare_images(x) for x in (x_tr, x_val, x_test))
print(x_tr_in.shape, x_tr_in.dtype, "valores de", x_tr_in.min(), "a", x_tr_in.max())

# %% [markdown]
# ## Um experimento = um treino + uma linha na tabela
#
# A linha de base é o modelo da aula 06: filtros `(32, 64)`, ReLU e lotes de 128 imagens,
# mas com menos épocas, para a varredura inteira caber no tempo. O número de épocas vem de
# `config.epochs`: o valor do modo completo normalmente, uma só no modo rápido dos testes.

# %%
BASELINE = {
    "epochs": config.epochs(5, 1),
    "batch_size": 128,
    "filters": (32, 64),
    "activation": "relu",
}

# %% [markdown]
# Cada treino vira uma linha da tabela de experimentos: os quatro hiperparâmetros, a acurácia
# de validação no fim do treino (`val_accuracy`), os segundos de treino (`train_seconds`) e a
# semente (`seed`). As chaves ficam em inglês porque a tabela vai na entrega, e o corretor lê
# esses nomes exatos no `experiments.json`. `describe` resume uma linha pelo que ela muda em
# relação à linha de base; é o rótulo das execuções nos gráficos.

# %%
RESULT_KEYS = ("val_accuracy", "train_seconds", "seed")


def tuple_if_list(value):
    """Filtros podem vir como lista ou tupla; compara sempre como tupla."""
    return tuple(value) if isinstance(value, (list, tuple)) else value


def describe(run):
    """O que uma execução muda em relação à linha de base, por exemplo "epochs=10"."""
    changes = [f"{key}={run[key]}" for key in BASELINE
               if tuple_if_list(run[key]) != tuple_if_list(BASELINE[key])]
    changes += [f"{key}={value}" for key, value in run.items()
                if key not in BASELINE and key not in RESULT_KEYS and pd.notna(value)]
    if run.get("seed", MY_SEED) != MY_SEED:
        changes.append(f"semente {run['seed']}")
    return ", ".join(changes) or "linha de base"


# %% [markdown]
# `run_experiment` treina a CNN com os quatro hiperparâmetros, anota a linha e guarda o
# resto: a linha em `runs`, o modelo em `models` e as curvas em `histories`. Todo treino
# começa com a mesma semente, a sua (`MY_SEED`), a não ser que você passe outra: assim a
# diferença entre duas linhas vem dos hiperparâmetros, não do sorteio dos pesos iniciais.
# Argumentos extras vão para `build_mnist_cnn`; a seção "Para subir de faixa" usa isso.

# %%
runs, models, histories = [], [], []


def run_experiment(epochs, batch_size, filters, activation, cosine_decay=False, seed=None,
                   **architecture):
    """Treina build_mnist_cnn no treino; anota e devolve a linha da tabela."""
    seed = MY_SEED if seed is None else seed
    config.set_seed(seed)
    model = build_mnist_cnn(filters=filters, activation=activation, **architecture)
    steps_per_epoch = int(np.ceil(len(y_tr) / batch_size))
    optimizer = cosine_adam(epochs, steps_per_epoch) if cosine_decay else "adam"
    model.compile(optimizer=optimizer, loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    start = time.perf_counter()
    history = model.fit(x_tr_in, y_tr, epochs=epochs, batch_size=batch_size,
                        validation_data=(x_val_in, y_val), verbose=0 if config.FAST else 2)
    row = {"epochs": epochs, "batch_size": batch_size, "filters": tuple(filters),
           "activation": activation, "val_accuracy": history.history["val_accuracy"][-1],
           "train_seconds": time.perf_counter() - start, "seed": seed, **architecture}
    if cosine_decay:
        row["cosine_decay"] = True
    runs.append(row)
    models.append(model)
    histories.append(history)
    print(f"execução {len(runs)} ({describe(row)}): val_accuracy "
          f"{fmt.num(row['val_accuracy'], 4)} em {fmt.num(row['train_seconds'], 1)} s")
    return row


# %%
run_experiment(**BASELINE);

# %% [markdown]
# ## Quanto vale um ponto de acurácia?
#
# Antes de comparar configurações, vale saber quanto a acurácia de validação muda **só por
# causa da semente**. A célula abaixo treina a linha de base mais duas vezes, com as duas
# sementes seguintes à sua, e desenha as três curvas de validação. As duas execuções novas
# também entram na tabela (são treinos de verdade), marcadas com a semente.

# %%
for seed in (MY_SEED + 1, MY_SEED + 2):
    run_experiment(**BASELINE, seed=seed)
seed_accuracies = np.array([row["val_accuracy"] for row in runs[:3]])
seed_spread = seed_accuracies.max() - seed_accuracies.min()
print(f"val_accuracy da linha de base com 3 sementes: "
      f"{', '.join(fmt.num(a, 4) for a in seed_accuracies)}; da menor para a maior, "
      f"{fmt.num(100 * seed_spread, 2)} pontos percentuais")

fig, ax = plt.subplots(figsize=(6, 3.5))
for row, history in zip(runs[:3], histories[:3]):
    accuracy = history.history["val_accuracy"]
    ax.plot(np.arange(1, len(accuracy) + 1), accuracy, "o-", label=f"semente {row['seed']}")
ax.set_xticks(np.arange(1, BASELINE["epochs"] + 1))
ax.set_xlabel("época")
ax.set_ylabel("acurácia de validação")
ax.set_title(f"A mesma linha de base, 3 sementes: {fmt.num(100 * seed_spread, 2)} pontos "
             "de diferença no fim")
ax.yaxis.set_major_formatter(fmt.tick_formatter())
ax.legend()
ax.grid(alpha=0.3);

# %% [markdown]
# Guarde esse número. Uma diferença menor que ele entre duas linhas da tabela pode ser só a
# semente: a tabela ordena as execuções, mas uma vantagem desse tamanho não prova que uma
# configuração é melhor. Para ter certeza, treine as duas com outras sementes, como acima.

# %% [markdown]
# ## Variando os hiperparâmetros
#
# - **Épocas**: quantas vezes o treino passa por todas as imagens. Poucas deixam o modelo
#   cru; muitas custam tempo e, a partir de certo ponto, o modelo decora o treino e piora na
#   validação (sobreajuste, *overfitting*).
# - **Tamanho do lote**: quantas imagens entram em cada passo do gradiente. Lotes menores dão
#   mais passos por época, cada um mais ruidoso; lotes maiores dão menos passos e aproveitam
#   melhor a GPU.
# - **Filtros**: quantos filtros cada bloco convolucional aprende. Mais filtros detectam mais
#   padrões, com mais parâmetros e mais tempo de treino.
# - **Ativação**: a não linearidade depois de cada convolução, como `"relu"`, `"tanh"` ou
#   `"elu"`.
#
# Testar todas as combinações explode rápido: só dois valores para cada um dos quatro já são
# $2^4 = 16$ treinos. Um jeito econômico é mudar **um hiperparâmetro por vez** a partir da
# linha de base: se só uma coisa mudou, a diferença na validação é efeito dela. O preço é não
# ver interações (mais filtros podem precisar de mais épocas, por exemplo).
#
# ### Exercício 3 · Monte a varredura
#
# Escreva `configs`, uma lista de dicionários com as chaves `epochs`, `batch_size`, `filters`
# e `activation`. Regras da entrega: pelo menos 4 configurações, e cada um dos quatro
# hiperparâmetros com pelo menos 2 valores diferentes. Você pode incluir a linha de base
# (ela não é treinada de novo). Para copiar a linha de base mudando só uma chave, use
# `{**BASELINE, "batch_size": 32}`. A checagem roda antes de qualquer treino, para você não
# perder tempo com uma lista inválida.

# %%
# BEGIN SOLUTION ex3
# um fator por vez: a linha de base e, para cada hiperparâmetro, os valores alternativos
# (no modo rápido só o primeiro de cada lista, para os testes rodarem em segundos)
configs = [BASELINE] + [
    {**BASELINE, key: value}
    for key, values in {
        "epochs": [2 * BASELINE["epochs"]],
        "batch_size": [32, 512],
        "filters": [(16, 32), (64, 128)],
        "activation": ["tanh", "elu"],
    }.items()
    for value in (values[:1] if config.FAST else values)
]
# END SOLUTION
ex3.check(configs)

# %%
# ex3.hint()
# ex3.solution()

# %% [markdown]
# Agora o treino de cada configuração. No modo completo isso leva alguns minutos numa GPU (e
# bem mais sem ela): cada execução imprime uma linha por época.

# %%
def run_all(configs):
    """Treina, com a sua semente, cada configuração que ainda não está na tabela."""
    if is_placeholder(configs):
        print("configs ainda está em branco (____): faça o exercício 3 e rode esta célula.")
        return
    for cfg in configs:
        done = [i for i, row in enumerate(runs, 1) if describe(row) == describe(cfg)]
        if done:
            print(f"{describe(cfg)}: já é a execução {done[0]}, não treino de novo")
        else:
            run_experiment(**cfg)


run_all(configs)

# %% [markdown]
# ## Para subir de faixa: uma rede maior
#
# A varredura mexe só nos quatro hiperparâmetros da regra da entrega, com poucas épocas, e a
# CNN da aula "06 · MNIST, mão na massa" é pequena para roupas: com ela, as faixas mais altas
# da tabela de pontos ficam no limite. Esta seção monta uma rede maior com peças que você já
# conhece, mais uma peça nova, a taxa de aprendizado que cai ao longo do treino. Tudo cabe em
# `build_mnist_cnn`, que aceita argumentos além dos quatro hiperparâmetros (veja
# `help(build_mnist_cnn)`), e `run_experiment` os repassa:
#
# - preenchimento `"same"` (aulas 02 e 03): as convoluções não encolhem o mapa, só o
#   *pooling* encolhe;
# - blocos mais fundos: duas convoluções 3×3 antes de cada *pooling* (`convs_per_block=2`),
#   como nos blocos da VGG da aula 03. Duas 3×3 seguidas enxergam uma janela 5×5 com menos
#   pesos que um filtro 5×5;
# - uma camada densa escondida (`dense_units=128`) e *dropout* também depois de cada bloco
#   (`block_dropout=0.25`), o mesmo *dropout* da aula 06: uma rede maior decora o treino mais
#   depressa.
#
# `FINAL_ARCHITECTURE` guarda essas escolhas. Compare os mapas das duas redes, camada a
# camada (altura × largura × canais):

# %%
def feature_maps(model):
    """Formatos de saída das convoluções e dos poolings, na ordem."""
    return " → ".join(
        "×".join(str(size) for size in layer.output.shape[1:])
        for layer in model.layers if type(layer).__name__ in ("Conv2D", "MaxPooling2D")
    )


for name, model in (("linha de base", build_mnist_cnn()),
                    ("rede maior", build_mnist_cnn(**FINAL_ARCHITECTURE))):
    print(f"{name}: {feature_maps(model)}\n  {fmt.num(model.count_params())} parâmetros")

# %% [markdown]
# ### Antes de treinar de verdade: decore um lote
#
# Uma rede nova pode ter um erro que não quebra nada: rótulos desalinhados das imagens, a
# perda errada, uma taxa de aprendizado grande demais. Antes de um treino longo, vale um teste
# de segundos: treinar com **um único lote** de 64 imagens, o mesmo lote passo após passo, e
# ver se a rede consegue decorá-lo. Desligamos o *dropout* só neste teste, porque ele
# atrapalha de propósito a decoreba, e aqui decorar é o objetivo. Uma rede que funciona leva
# a perda desse lote para perto de zero em algumas dezenas de passos; se a perda empaca, há
# um problema, e nenhum ajuste de hiperparâmetro resolve. O teste não diz nada sobre imagens
# novas (decorar é justamente o que não queremos no fim): diz só que a máquina funciona.

# %%
config.set_seed(MY_SEED)
one_batch = slice(0, 64)
probe = build_mnist_cnn(**{**FINAL_ARCHITECTURE, "block_dropout": 0.0}, dropout=0.0)
probe.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
probe_history = probe.fit(x_tr_in[one_batch], y_tr[one_batch], epochs=config.epochs(60, 30),
                          batch_size=64, verbose=0)
_, probe_accuracy = probe.evaluate(x_tr_in[one_batch], y_tr[one_batch], verbose=0)
fig, ax = plt.subplots(figsize=(6, 3.5))
ax.plot(np.arange(1, len(probe_history.history["loss"]) + 1), probe_history.history["loss"])
ax.set_xlabel("passo (sempre o mesmo lote de 64 imagens)")
ax.set_ylabel("perda no lote")
ax.set_title("A rede maior, sem dropout, decora um lote")
ax.yaxis.set_major_formatter(fmt.tick_formatter())
ax.grid(alpha=0.3)
print(f"perda no fim: {fmt.num(probe_history.history['loss'][-1], 3)}; acurácia nas 64 "
      f"imagens do lote: {fmt.pct(probe_accuracy)}")

# %% [markdown]
# ### Uma taxa de aprendizado que cai ao longo do treino
#
# Até aqui o Adam usou a mesma taxa de aprendizado do começo ao fim (o padrão do Keras). Com
# taxa constante, o passo que era bom no começo, para andar depressa, fica grande perto do
# mínimo: a rede fica pulando em volta dele, e a acurácia de validação de uma rede maior
# costuma subir e descer de uma época para a outra. Uma **agenda** da taxa de aprendizado (*learning-rate
# schedule*) muda a taxa durante o treino. A de `cosine_adam(epochs, steps_per_epoch)` começa
# no padrão do Adam e cai até zero seguindo meio período de um cosseno: passos grandes no
# começo, pequenos no fim, para a rede assentar no mínimo. Veja a taxa de cada passo de um
# treino com as épocas e o lote de `FINAL_CONFIG`:

# %%
steps_per_epoch = int(np.ceil(len(y_tr) / FINAL_CONFIG["batch_size"]))
schedule = cosine_schedule(FINAL_CONFIG["epochs"], steps_per_epoch)
steps = np.arange(FINAL_CONFIG["epochs"] * steps_per_epoch + 1)
fig, ax = plt.subplots(figsize=(6, 3.5))
ax.plot(steps / steps_per_epoch, [float(schedule(step)) for step in steps],
        label="cosseno (cosine_adam)")
ax.axhline(float(schedule(0)), color="tab:gray", linestyle="--", label="constante (adam)")
ax.set_xlabel("época")
ax.set_ylabel("taxa de aprendizado")
ax.set_title("A taxa de aprendizado ao longo do treino")
ax.yaxis.set_major_formatter(fmt.tick_formatter())
ax.legend()
ax.grid(alpha=0.3);

# %% [markdown]
# ### A rede maior na tabela
#
# A rede maior, com a taxa que cai e mais épocas (`FINAL_CONFIG`), entra na tabela como
# qualquer outra execução e compete com as outras na validação, sem privilégio. No modo
# completo ela é a execução mais cara da tabela (a última linha do gráfico de custo, adiante,
# mostra quanto). Os autores do curso treinaram esta mesma receita no Fashion-MNIST completo,
# com duas sementes, num computador de 2 núcleos sem GPU; a célula mostra o que mediram, ao
# lado da faixa mais alta da tabela de pontos. Você também pode testar cada peça sozinha, uma
# ideia por vez: por exemplo, `run_experiment(**BASELINE, padding="same")` treina a linha de
# base com preenchimento. E a aula "10 · Normalização em lote e *dropout*" mostra mais uma
# peça que ajuda redes maiores.

# %%
final_config = {**FINAL_CONFIG, "epochs": config.epochs(FINAL_CONFIG["epochs"], 2)}
run_experiment(**final_config, **FINAL_ARCHITECTURE, cosine_decay=True)
print(f"parâmetros: linha de base {fmt.num(models[0].count_params())}, "
      f"rede maior {fmt.num(models[-1].count_params())}")
top_tier = max(minimum for minimum, _ in load_rubric().accuracy)
print(f"medido pelo curso no modo completo: acurácia no teste "
      f"{' e '.join(fmt.num(a, 4) for a in MEASURED['test_accuracy'])}, num conjunto como o "
      f"de avaliação {' e '.join(fmt.num(a, 4) for a in MEASURED['eval_accuracy'])} "
      f"(faixa mais alta: {fmt.num(top_tier)}), com "
      f"{' e '.join(fmt.num(m, 0) for m in MEASURED['train_minutes'])} minutos de treino")

# %% [markdown]
# ## A tabela de experimentos
#
# Cada linha é uma execução, numerada na ordem em que rodou. É essa tabela que vai na sua
# entrega (as colunas de argumentos extras ficam vazias nas execuções que não os usaram).
# Para ler, a célula mostra os dois resultados com vírgula decimal.

# %%
experiments = pd.DataFrame(runs, index=pd.RangeIndex(1, len(runs) + 1, name="execução"))
experiments.assign(
    val_accuracy=experiments["val_accuracy"].map(lambda value: fmt.num(value, 4)),
    train_seconds=experiments["train_seconds"].map(lambda value: fmt.num(value, 1)),
)

# %% [markdown]
# O gráfico mostra a acurácia de validação de cada execução (o eixo não começa em zero, para
# as diferenças aparecerem) e, ao lado, quanto tempo cada uma levou.

# %%
labels = [f"{i}: {describe(row)}" for i, row in enumerate(runs, 1)]
positions = np.arange(len(experiments))
fig, (ax_acc, ax_time) = plt.subplots(
    1, 2, figsize=(11, 1.5 + 0.45 * len(experiments)), sharey=True, layout="constrained"
)
ax_acc.plot(experiments["val_accuracy"], positions, "o", color="tab:blue")
ax_acc.set_yticks(positions, labels)
ax_acc.invert_yaxis()
ax_acc.set_xlabel("acurácia de validação")
ax_acc.set_title("Acurácia de validação por execução")
ax_acc.xaxis.set_major_formatter(fmt.tick_formatter())
ax_acc.grid(alpha=0.3)
ax_time.barh(positions, experiments["train_seconds"], color="tab:gray")
ax_time.set_xlabel("segundos de treino")
ax_time.xaxis.set_major_formatter(fmt.tick_formatter())
ax_time.set_title("Custo de cada execução");

# %% [markdown]
# ## Escolhendo a melhor execução
#
# A regra é simples: fica a execução com a maior acurácia de **validação**.
#
# ### Exercício 4 · A melhor linha da tabela
#
# Complete `pick_best(table)`: ela recebe uma tabela como `experiments` e devolve o **número
# da execução** (o rótulo do índice, não a posição da linha) com a maior `val_accuracy`.

# %%
def pick_best(table):
    """Rótulo do índice da execução com a maior val_accuracy."""
    # BEGIN SOLUTION ex4
    return table["val_accuracy"].idxmax()
    # END SOLUTION


ex4.check(pick_best)

# %%
# ex4.hint()
# ex4.solution()

# %% [markdown]
# Daqui em diante usamos `best_run`, que faz o mesmo que a sua `pick_best`. A célula abaixo
# compara a escolhida com a linha de base e com a segunda colocada.

# %%
best = best_run(experiments)
chosen, baseline = experiments.loc[best], experiments.loc[1]
second = best_run(experiments.drop(index=best))


def points(difference):
    """Diferença de acurácia em pontos percentuais, com sinal: "+1,23"."""
    return ("+" if difference > 0 else "") + fmt.num(100 * difference, 2)


print(f"escolhida: execução {best} ({describe(runs[best - 1])}), "
      f"val_accuracy {fmt.num(chosen.val_accuracy, 4)}")
print(f"linha de base: {fmt.num(baseline.val_accuracy, 4)}; ganho de "
      f"{points(chosen.val_accuracy - baseline.val_accuracy)} pontos percentuais, com "
      f"{fmt.num(chosen.train_seconds / baseline.train_seconds, 1)} vezes o tempo de treino")
print(f"segunda colocada: execução {second} ({describe(runs[second - 1])}), "
      f"{fmt.num(experiments.loc[second, 'val_accuracy'], 4)}; diferença de "
      f"{points(chosen.val_accuracy - experiments.loc[second, 'val_accuracy'])} pontos "
      f"percentuais (entre as 3 sementes da linha de base: {fmt.num(100 * seed_spread, 2)})")

# %% [markdown]
# **Sua vez:** numa célula de texto, escreva qual execução você escolheu e por quê, citando os
# números da célula acima. Três perguntas ajudam: quanto ela ganha da linha de base? A
# diferença para a segunda colocada é grande ou pode ser sorte da semente? O ganho compensa o
# tempo a mais?

# %% [markdown] tags=["solution"]
# **Justificativa (solução).** Escolhemos a execução indicada acima porque ela tem a maior
# acurácia de validação da tabela, e a comparação foi justa: mesma divisão, mesma semente
# (a nossa), todas medidas na validação. A célula acima mostra de quanto ela supera a linha
# de base e quanto tempo a mais isso custou. Dois cuidados ao ler esses números. Primeiro, se
# a diferença para a segunda colocada é menor que a diferença entre as três sementes da linha
# de base, ela pode ser só a semente; para ter certeza, rode as duas de novo com outras
# sementes. Segundo, se a segunda colocada for quase tão boa e muito mais barata, ela pode ser
# a escolha sensata num orçamento apertado. Nada disso usou o teste: ele continua intocado.
#
# As curvas da execução escolhida dizem se mais épocas ajudariam: se a validação ainda sobe
# no fim, sim; se ela cai enquanto o treino continua subindo, o modelo começou a decorar.

# %%
plot_history(histories[best - 1]);

# %% [markdown]
# ## O teste, uma única vez
#
# Com o modelo escolhido, agora sim olhamos o teste. `predict` devolve, para cada imagem, as
# 10 probabilidades da *softmax*.

# %%
best_model = models[best - 1]
probs = best_model.predict(x_test_in, verbose=0)
print(f"probs: {probs.shape} | soma da primeira linha: {fmt.num(probs[0].sum(), 4)}")

# %% [markdown]
# A classe prevista de cada imagem é a de maior probabilidade, e a acurácia é a fração de
# imagens em que ela é igual ao rótulo (a conta do exercício 4 da aula 06). Ao lado, a
# acurácia de validação da execução escolhida:

# %%
hits = probs.argmax(axis=1) == y_test
test_accuracy = hits.mean()
print(f"teste: {fmt.num(test_accuracy, 4)} | validação: {fmt.num(chosen.val_accuracy, 4)} | "
      f"diferença: {points(test_accuracy - chosen.val_accuracy)} pontos percentuais")

# %% [markdown]
# Se a diferença acima é pequena, a validação foi uma boa estimativa do desempenho em imagens
# novas, que é exatamente o papel dela. E a regra continua valendo depois daqui: se você
# mudar o modelo por causa desse número e medir o teste de novo, o teste virou validação.
#
# ### Quanto o teste poderia ter dado?
#
# A acurácia do teste também tem sorte: ela é a média de `hits` (1 onde o modelo acertou, 0
# onde errou) sobre estas imagens de teste, e outras imagens do mesmo tipo dariam outro número.
# Quanto outro? O ***bootstrap*** responde sem imagens novas. Sorteie do próprio teste, **com
# reposição**, tantas imagens quantas ele tem: algumas saem repetidas, outras ficam de fora,
# e a amostra sorteada é um "outro teste" possível. Meça a acurácia nela e repita muitas
# vezes. As acurácias sorteadas mostram quanto o número varia; do percentil 2,5 ao 97,5 delas
# fica um intervalo de 95 %.
#
# ### Exercício 5 · Um intervalo para a acurácia do teste
#
# Complete `bootstrap_interval(hits, n_resamples, rng)`: sorteie `n_resamples` amostras de
# `hits`, cada uma do tamanho de `hits`, com reposição, usando o gerador `rng`
# (`rng.choice` ou `rng.integers`); calcule a acurácia de cada amostra e devolva os percentis
# 2,5 e 97,5 dessas acurácias, como `(inferior, superior)`, em frações entre 0 e 1.

# %%
def bootstrap_interval(hits, n_resamples, rng):
    """Intervalo de 95 % da acurácia: percentis 2,5 e 97,5 de n_resamples reamostragens."""
    # BEGIN SOLUTION ex5
    samples = rng.choice(hits, size=(n_resamples, len(hits)), replace=True)
    return np.percentile(samples.mean(axis=1), [2.5, 97.5])
    # END SOLUTION


ex5.check(bootstrap_interval)

# %%
# ex5.hint()
# ex5.solution()

# %% [markdown]
# Daqui em diante usamos `reference_bootstrap`, que faz o mesmo que a sua função, com a sua
# semente. O intervalo é a sorte das imagens; a diferença entre as sementes da linha de base,
# lá atrás, era a sorte do treino. Compare as duas:

# %%
low, high = reference_bootstrap(hits, 2000, np.random.default_rng(MY_SEED))
print(f"acurácia no teste: {fmt.num(test_accuracy, 4)}; intervalo de 95 % por bootstrap: "
      f"{fmt.num(low, 4)} a {fmt.num(high, 4)} ({fmt.num(100 * (high - low), 2)} pontos "
      f"percentuais de largura, com {fmt.num(len(hits))} imagens)")
print(f"diferença entre as 3 sementes da linha de base: {fmt.num(100 * seed_spread, 2)} pontos "
      "percentuais")

# %% [markdown]
# Com mais imagens de teste o intervalo encolhe (a largura cai com a raiz do número de
# imagens); com mais sementes a diferença entre elas fica mais bem medida. Nenhum dos dois
# some: é por isso que uma vantagem de décimos de ponto não decide nada.
#
# Onde o modelo erra? A matriz de confusão mostra, para cada classe verdadeira (linha), a
# fração das imagens atribuída a cada classe prevista (coluna).

# %%
predicted = probs.argmax(axis=1)
plot_confusion_matrix(y_test, predicted, class_names=FASHION_CLASSES, normalize=True);

# %%
errors = confusion_matrix(y_test, predicted, labels=range(10))
np.fill_diagonal(errors, 0)
true_class, predicted_class = np.unravel_index(errors.argmax(), errors.shape)
print(f"erro mais frequente: imagens de {FASHION_CLASSES[true_class]} classificadas como "
      f"{FASHION_CLASSES[predicted_class]} ({errors[true_class, predicted_class]} de "
      f"{np.sum(y_test == true_class)})")

# %% [markdown]
# Veja esse par em imagens: em cima, peças de uma classe que a rede chamou pela outra; embaixo,
# peças da segunda classe que ela acertou.

# %%
mistaken = np.flatnonzero((y_test == true_class) & (predicted == predicted_class))
genuine = np.flatnonzero((y_test == predicted_class) & (predicted == predicted_class))
shown = min(6, len(mistaken), len(genuine))
if shown:
    show_images(
        np.concatenate([x_test[mistaken[:shown]], x_test[genuine[:shown]]]),
        ncols=shown, cmap="gray", figsize=(1.8 * shown, 4.4),
        suptitle=f"Em cima: {FASHION_CLASSES[true_class]} prevista como "
                 f"{FASHION_CLASSES[predicted_class]}. Embaixo: "
                 f"{FASHION_CLASSES[predicted_class]} de verdade",
    );
else:
    print("não há erros desse par e acertos da outra classe para mostrar lado a lado")

# %% [markdown]
# Olhe esse par também na matriz acima: são peças que você também confundiria numa foto de
# 28×28 pixels? Erros entre classes parecidas indicam o limite do que a imagem mostra; erros
# entre classes bem diferentes indicariam um problema no treino.

# %% [markdown]
# ## Entregando o desafio
#
# A entrega é **um arquivo**, `entrega_<student_id>.zip`, com três arquivos dentro:
#
# - `model.keras`: o modelo treinado, no formato nativo do Keras;
# - `experiments.json`: a sua identificação e a tabela de experimentos, um registro por
#   execução com `epochs`, `batch_size`, `filters`, `activation`, `val_accuracy` (entre 0 e 1)
#   e `train_seconds` (e as colunas extras, como `seed`);
# - este notebook (`.ipynb`), que o corretor roda de novo para dar o ponto do notebook.
#
# O formato completo, com as regras de cada chave, está na página
# [formato da entrega](https://github.com/cnn-curso-ptbr/curso-cnn/blob/main/docs/submission-format.md).
#
# `save_submission` confere tudo antes de escrever: o formato do modelo (entrada 28×28,
# saída de 10 classes), pelo menos 4 execuções, cada hiperparâmetro com pelo menos 2 valores,
# e a sua identificação. Ela grava os três arquivos e o zip na pasta `submissao` e nunca
# apaga uma entrega que já existe: se você rodar o notebook de novo, ela avisa e não muda
# nada (para substituir, passe `overwrite=True`). `self_check` abre a entrega como o corretor
# vai abrir e mede o modelo do jeito dele, numa amostra de imagens de **treino** (o teste
# continua sendo olhado uma vez só); se o modelo acerta só por acaso, ela diz a causa mais
# provável.
#
# ### Como entregar
#
# - **No Colab.** A máquina do Colab é temporária: o que fica nela some quando a sessão
#   acaba. Rode a última célula: o navegador baixa `entrega_<student_id>.zip`. Se o download
#   não começar, abra o painel Arquivos (ícone de pasta, à esquerda), entre em `submissao`,
#   clique nos três pontos ao lado do zip e escolha Fazer download.
# - **No JupyterLab, no seu computador.** Salve o notebook (Ctrl+S) antes de rodar a última
#   célula: a cópia que vai no zip é a do disco. O zip fica em `submissao/`, ao lado do
#   notebook.
#
# Depois, envie o zip, do jeito que ele saiu, na tarefa do desafio no ambiente da disciplina
# (Moodle: Adicionar envio; Canvas: Enviar tarefa; Google Classroom: Adicionar ou criar →
# Arquivo, e depois Entregar).

# %% [markdown]
# A última célula salva a entrega na pasta `submissao` (ao lado deste notebook) e confere o
# zip. Nos testes automáticos do curso (modo rápido), ela salva numa pasta temporária.

# %%
out_dir = tempfile.mkdtemp() if config.FAST else "submissao"
if is_placeholder(student_id):
    print("Preencha student_id no exercício 1 e rode esta célula para salvar a entrega.")
else:
    try:
        archive = save_submission(best_model, experiments, student_id, out_dir)
        self_check(archive)
    except (ValueError, FileExistsError) as error:
        print(f"❌ A entrega não foi salva: {error}")

# %% [markdown]
# ## O que você aprendeu
#
# - Um modelo escrito como função com hiperparâmetros (`build_mnist_cnn`) se reaproveita num
#   conjunto novo sem reescrever nada.
# - Treino ajusta os pesos, validação escolhe a configuração, teste mede uma vez no fim;
#   escolher pelo teste dá uma acurácia otimista.
# - `train_test_split(..., stratify=y)` mantém as proporções das classes na validação.
# - Uma varredura "um fator por vez" isola o efeito de cada hiperparâmetro, ao custo de não
#   ver interações; cada execução vira uma linha de uma tabela.
# - A mesma configuração com outra semente dá outra acurácia: a diferença entre sementes é a
#   régua para saber se uma vantagem na tabela é real. A sua semente vem da sua identificação.
# - Antes de um treino longo, a rede tem que conseguir decorar um lote; se não consegue, há
#   um erro, não um hiperparâmetro ruim.
# - Preenchimento `"same"`, duas convoluções por bloco e uma taxa de aprendizado que cai ao
#   longo do treino (uma agenda em cosseno) levam a mesma família de CNN bem mais longe.
# - A escolha se justifica com números: ganho sobre a linha de base, distância para a segunda
#   colocada (comparada com a diferença entre sementes) e custo em tempo.
# - O *bootstrap* (reamostrar o teste com reposição) dá um intervalo para a acurácia do
#   teste sem precisar de imagens novas.
#
# ## De onde vem e o que ler a seguir
#
# Esta aula é o **DESAFIO** dos slides da FIAP: usar o modelo da aula mão na massa com MNIST
# no Fashion-MNIST, separar os dados e treinar muitas possibilidades variando épocas, tamanho
# do lote, filtros e ativação. Os slides pedem só treino e teste; aqui acrescentamos a
# validação, porque escolher entre muitas configurações olhando o teste contamina o
# resultado. A seguir, a aula "08 · CIFAR-10" troca os tons de cinza por imagens coloridas do
# CIFAR-10, com o modelo e os gráficos do relatório do bootcamp LAMIA. Os termos técnicos
# seguem o
# [glossário do curso](https://github.com/cnn-curso-ptbr/curso-cnn/blob/main/docs/glossario.md).
#
# ### Fontes
#
# - Ana Raquel. *Redes Neurais Convolucionais* (slides, com o DESAFIO Fashion-MNIST). FIAP,
#   Python Journey — Machine & Deep Learning.
# - Han Xiao, Kashif Rasul e Roland Vollgraf. *Fashion-MNIST: a Novel Image Dataset for
#   Benchmarking Machine Learning Algorithms*, 2017.
# - Andrej Karpathy. *A Recipe for Training Neural Networks*, 2019 (o teste de decorar um
#   lote: "overfit a single batch").
# - Ilya Loshchilov e Frank Hutter. *SGDR: Stochastic Gradient Descent with Warm Restarts*,
#   ICLR 2017 (a taxa de aprendizado em cosseno).
# - Bradley Efron e Robert Tibshirani. *An Introduction to the Bootstrap*. Chapman & Hall,
#   1993.
